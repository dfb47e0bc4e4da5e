using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Smime;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using SmimeTools.TestPki;
using Xunit;
using Xunit.Abstractions;
using AlgorithmIdentifier = Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using Pki = global::SmimeTools.TestPki.TestPki;
using X509Extension = System.Security.Cryptography.X509Certificates.X509Extension;

namespace SmimeTools.Tests.TestPki
{
    public sealed class TestPkiTests : IClassFixture<TestPkiFixture>
    {
        private const string SmimeCapabilitiesOid = "1.2.840.113549.1.9.15";

        private readonly TestPkiFixture fixture;
        private readonly ITestOutputHelper output;

        public TestPkiTests(TestPkiFixture fixture, ITestOutputHelper output)
        {
            this.fixture = fixture;
            this.output = output;
        }

        public static IEnumerable<object[]> AllUsers => Pki.UserNames.Select(n => new object[] { n });

        public static IEnumerable<object[]> DotNetKeyUsers =>
            new[] { "rsa2048", "rsa3072", "p256", "p384", "rsa512", "revoked", "uppercase" }.Select(n => new object[] { n });

        private Pki Pki => fixture.Pki;

        [Fact]
        public void Create_ReportsTime()
        {
            output.WriteLine(string.Format(CultureInfo.InvariantCulture, "TestPki.Create took {0:F0} ms", fixture.CreateTime.TotalMilliseconds));
            Assert.True(Path.IsPathRooted(Pki.Folder));
            Assert.Equal(Pki.UserNames.Count, Pki.Users.Count);
            Assert.Equal("test-password", Pki.Password);
        }

        [Fact]
        public void Create_WritesEveryFile()
        {
            foreach (TestCertificateAuthority ca in new[] { Pki.Root, Pki.Intermediate })
            {
                AssertFile(ca.CertificatePath, ca.Name + ".crt");
                AssertFile(ca.CertificateDerPath, ca.Name + ".cer");
                AssertFile(ca.PrivateKeyPath, ca.Name + ".key");
                AssertFile(ca.CrlPemPath, ca.Name + ".crl.pem");
                AssertFile(ca.CrlDerPath, ca.Name + ".crl");
            }

            foreach (TestUser user in Pki.Users.Values)
            {
                AssertFile(user.CertificatePath, user.Name + ".crt");
                AssertFile(user.CertificateDerPath, user.Name + ".cer");
                AssertFile(user.PrivateKeyPath, user.Name + ".key");
                AssertFile(user.EncryptedPrivateKeyPath, user.Name + ".enc.key");
                AssertFile(user.Pkcs12Path, user.Name + ".p12");
                Assert.Equal(user.GetCertificateDer(), File.ReadAllBytes(user.CertificateDerPath));
                Assert.Equal(PemBody(user.CertificatePath, "CERTIFICATE"), user.GetCertificateDer());
                Assert.Equal(PemBody(user.PrivateKeyPath, "PRIVATE KEY"), user.GetPrivateKeyPkcs8());
            }

            AssertFile(Pki.ChainPemPath, "chain.pem");
            AssertFile(Pki.ChainWithCrlsPemPath, "chain-crls.pem");
            AssertFile(Pki.BundleP7bPath, "bundle.p7b");
            AssertFile(Pki.ManifestPath, "manifest.json");
        }

        [Fact]
        public void ChainPem_HoldsIntermediateThenRoot()
        {
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(Pki.ChainPemPath);
            Assert.Equal(2, chain.Count);
            Assert.Equal(Pki.Intermediate.Thumbprint, chain[0].Thumbprint);
            Assert.Equal(Pki.Root.Thumbprint, chain[1].Thumbprint);
        }

        [Fact]
        public void BundleP7b_IsCertsOnlySignedDataWithBothCas()
        {
            var cms = new SignedCms();
            cms.Decode(File.ReadAllBytes(Pki.BundleP7bPath));
            Assert.Empty(cms.SignerInfos);
            string[] thumbprints = cms.Certificates.Select(c => c.Thumbprint).OrderBy(t => t, StringComparer.Ordinal).ToArray();
            string[] expected = new[] { Pki.Root.Thumbprint, Pki.Intermediate.Thumbprint }.OrderBy(t => t, StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, thumbprints);
        }

        [Fact]
        public void Root_IsSelfSignedCa()
        {
            using X509Certificate2 root = Pki.Root.GetCertificate();
            Assert.Equal(root.Subject, root.Issuer);
            Pki.Root.Certificate.Verify(Pki.Root.PublicKey);

            var basic = Extension<X509BasicConstraintsExtension>(root);
            Assert.True(basic.Critical);
            Assert.True(basic.CertificateAuthority);
            Assert.False(basic.HasPathLengthConstraint);

            var usage = Extension<X509KeyUsageExtension>(root);
            Assert.True(usage.Critical);
            Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);

            Assert.Equal(Hex(Sha1OfPublicKey(Pki.Root.Certificate)), Extension<X509SubjectKeyIdentifierExtension>(root).SubjectKeyIdentifier);
            Assert.Equal("RSA", Pki.Root.KeyAlgorithm);
            Assert.Equal(3072, root.GetRSAPublicKey()!.KeySize);
            Assert.Equal(Pki.Root.KeySize, root.GetRSAPublicKey()!.KeySize);
            Assert.Equal(Pki.CreatedUtc.AddDays(-1), root.NotBefore.ToUniversalTime());
            Assert.Equal(Pki.CreatedUtc.AddDays(-1).AddYears(10), root.NotAfter.ToUniversalTime());
        }

        [Fact]
        public void Intermediate_IsCaWithPathLenZeroSignedByRoot()
        {
            using X509Certificate2 intermediate = Pki.Intermediate.GetCertificate();
            using X509Certificate2 root = Pki.Root.GetCertificate();
            Assert.Equal(root.Subject, intermediate.Issuer);
            Pki.Intermediate.Certificate.Verify(Pki.Root.PublicKey);

            var basic = Extension<X509BasicConstraintsExtension>(intermediate);
            Assert.True(basic.Critical);
            Assert.True(basic.CertificateAuthority);
            Assert.True(basic.HasPathLengthConstraint);
            Assert.Equal(0, basic.PathLengthConstraint);

            var usage = Extension<X509KeyUsageExtension>(intermediate);
            Assert.True(usage.Critical);
            Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);

            Assert.Equal(Hex(Sha1OfPublicKey(Pki.Intermediate.Certificate)), Extension<X509SubjectKeyIdentifierExtension>(intermediate).SubjectKeyIdentifier);
            Assert.Equal(
                Extension<X509SubjectKeyIdentifierExtension>(root).SubjectKeyIdentifier,
                Hex(Extension<X509AuthorityKeyIdentifierExtension>(intermediate).KeyIdentifier!.Value.ToArray()));
            Assert.Equal(new[] { Pki.Root.CrlUri }, CrlUris(Pki.Intermediate.Certificate));
            Assert.Equal("http://127.0.0.1/smimetools-test/root.crl", Pki.Root.CrlUri);
            Assert.Equal("http://127.0.0.1/smimetools-test/intermediate.crl", Pki.Intermediate.CrlUri);
        }

        [Theory]
        [MemberData(nameof(AllUsers))]
        public void User_ChainsToRoot(string name)
        {
            TestUser user = Pki.Users[name];
            using X509Certificate2 leaf = user.GetCertificate();
            using X509Certificate2 intermediate = Pki.Intermediate.GetCertificate();
            using X509Certificate2 root = Pki.Root.GetCertificate();
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.ExtraStore.Add(intermediate);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;

            bool built = chain.Build(leaf);
            X509ChainStatusFlags flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
            output.WriteLine(name + ": " + flags);

            Assert.Equal(3, chain.ChainElements.Count);
            Assert.Equal(leaf.Thumbprint, chain.ChainElements[0].Certificate.Thumbprint);
            Assert.Equal(Pki.Intermediate.Thumbprint, chain.ChainElements[1].Certificate.Thumbprint);
            Assert.Equal(Pki.Root.Thumbprint, chain.ChainElements[2].Certificate.Thumbprint);
            if (name is "expired" or "notyetvalid")
            {
                Assert.False(built);
                Assert.Equal(X509ChainStatusFlags.NotTimeValid, flags);
            }
            else
            {
                Assert.True(built, name + ": " + flags);
                Assert.Equal(X509ChainStatusFlags.NoError, flags);
            }

            user.Certificate.Verify(Pki.Intermediate.PublicKey);
        }

        [Theory]
        [MemberData(nameof(AllUsers))]
        public void User_HasSmimeExtensions(string name)
        {
            TestUser user = Pki.Users[name];
            using X509Certificate2 cert = user.GetCertificate();

            Assert.Equal(user.Thumbprint, cert.Thumbprint);
            Assert.Equal(user.SerialNumber, cert.SerialNumber);
            Assert.Equal(user.Subject, cert.Subject);
            Assert.Equal(Pki.Intermediate.Subject, cert.Issuer);
            Assert.Equal(3, cert.Version);

            var basic = Extension<X509BasicConstraintsExtension>(cert);
            Assert.True(basic.Critical);
            Assert.False(basic.CertificateAuthority);

            var usage = Extension<X509KeyUsageExtension>(cert);
            Assert.True(usage.Critical);
            X509KeyUsageFlags expectedUsage = name switch
            {
                "p256" or "p384" or "p521" or "idn" => X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement,
                "ed25519" or "signonly" => X509KeyUsageFlags.DigitalSignature,
                "x25519" => X509KeyUsageFlags.KeyAgreement,
                _ => X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment,
            };
            Assert.Equal(expectedUsage, usage.KeyUsages);
            Assert.Equal(UsageNames(expectedUsage), user.KeyUsages);

            var eku = Extension<X509EnhancedKeyUsageExtension>(cert);
            Assert.False(eku.Critical);
            string[] ekuOids = eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value!).ToArray();
            string expectedEku = name == "wrongeku" ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.4";
            Assert.Equal(new[] { expectedEku }, ekuOids);
            Assert.Equal(new[] { name == "wrongeku" ? "serverAuth" : "emailProtection" }, user.ExtendedKeyUsages);

            Assert.Equal(new[] { user.CertificateEmail }, Rfc822Names(user.Certificate));
            Assert.Equal(user.SmtpUtf8Mailbox is null ? Array.Empty<string>() : new[] { user.SmtpUtf8Mailbox }, SmtpUtf8Mailboxes(user.Certificate));
            Assert.Equal(user.SubjectEmail, SubjectEmail(user.Certificate));
            if (name == "p384")
            {
                Assert.Null(user.SubjectEmail);
                Assert.DoesNotContain("E=", cert.Subject, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(user.CertificateEmail, user.SubjectEmail);
                Assert.Contains("E=" + user.CertificateEmail, cert.Subject, StringComparison.Ordinal);
            }

            Assert.Equal(Hex(Sha1OfPublicKey(user.Certificate)), Extension<X509SubjectKeyIdentifierExtension>(cert).SubjectKeyIdentifier);
            Assert.Equal(Hex(Sha1OfPublicKey(Pki.Intermediate.Certificate)), Hex(Extension<X509AuthorityKeyIdentifierExtension>(cert).KeyIdentifier!.Value.ToArray()));
            Assert.Equal(new[] { Pki.Intermediate.CrlUri }, CrlUris(user.Certificate));

            X509Extension? caps = cert.Extensions[SmimeCapabilitiesOid];
            Assert.NotNull(caps);
            Assert.False(caps!.Critical);
            string[] capabilityOids = Asn1Sequence.GetInstance(caps.RawData)
                .Cast<Asn1Encodable>()
                .Select(e => SmimeCapability.GetInstance(e).CapabilityID.Id)
                .ToArray();
            Assert.Equal(
                new[] { "2.16.840.1.101.3.4.1.42", "2.16.840.1.101.3.4.1.2", "2.16.840.1.101.3.4.1.46", "2.16.840.1.101.3.4.1.6" },
                capabilityOids);
        }

        [Theory]
        [InlineData("rsa2048", "alice@example.com", "RSA", 2048)]
        [InlineData("rsa3072", "bob@example.com", "RSA", 3072)]
        [InlineData("p256", "carol@example.com", "ECDSA", 256)]
        [InlineData("p384", "dave@example.com", "ECDSA", 384)]
        [InlineData("p521", "frank@example.com", "ECDSA", 521)]
        [InlineData("ed25519", "erin@example.com", "Ed25519", 256)]
        [InlineData("x25519", "erin@example.com", "X25519", 256)]
        [InlineData("expired", "expired@example.com", "RSA", 2048)]
        [InlineData("notyetvalid", "notyetvalid@example.com", "RSA", 2048)]
        [InlineData("revoked", "revoked@example.com", "RSA", 2048)]
        [InlineData("wrongeku", "wrongeku@example.com", "RSA", 2048)]
        [InlineData("signonly", "signonly@example.com", "RSA", 2048)]
        [InlineData("rsa512", "rsa512@example.com", "RSA", 512)]
        [InlineData("mismatch", "mallory@example.com", "RSA", 2048)]
        [InlineData("uppercase", "upper.case@example.com", "RSA", 2048)]
        [InlineData("renewed", "alice@example.com", "RSA", 2048)]
        [InlineData("idn", "jürgen@bücher.example", "ECDSA", 256)]
        public void User_HasExpectedKeyAndMailbox(string name, string mailbox, string algorithm, int size)
        {
            TestUser user = Pki.Users[name];
            Assert.Equal(name, user.Name);
            Assert.Equal(mailbox, user.Mailbox);
            Assert.Equal(algorithm, user.KeyAlgorithm);
            Assert.Equal(size, user.KeySize);
            Assert.Equal(Pki.BadCaseNames.Contains(name), user.IsBadCase);

            using X509Certificate2 cert = user.GetCertificate();
            switch (algorithm)
            {
                case "RSA":
                    Assert.Equal("1.2.840.113549.1.1.1", cert.PublicKey.Oid.Value);
                    Assert.Equal(size, cert.GetRSAPublicKey()!.KeySize);
                    Assert.Equal(size, ((RsaKeyParameters)user.PublicKey).Modulus.BitLength);
                    break;
                case "ECDSA":
                    Assert.Equal("1.2.840.10045.2.1", cert.PublicKey.Oid.Value);
                    Assert.Equal(size, cert.GetECDsaPublicKey()!.KeySize);
                    break;
                case "Ed25519":
                    Assert.Equal("1.3.101.112", cert.PublicKey.Oid.Value);
                    Assert.IsType<Ed25519PublicKeyParameters>(user.PublicKey);
                    break;
                case "X25519":
                    Assert.Equal("1.3.101.110", cert.PublicKey.Oid.Value);
                    Assert.IsType<X25519PublicKeyParameters>(user.PublicKey);
                    break;
            }
        }

        [Fact]
        public void Rsa512_Is512Bits()
        {
            using X509Certificate2 cert = Pki.Users["rsa512"].GetCertificate();
            Assert.Equal(512, cert.GetRSAPublicKey()!.KeySize);
        }

        [Fact]
        public void Renewed_IsAlicesNewerCertificateWithANewKey()
        {
            TestUser first = Pki.Users["rsa2048"];
            TestUser renewed = Pki.Users["renewed"];
            Assert.Equal(first.Mailbox, renewed.Mailbox);
            Assert.Equal(first.Subject, renewed.Subject);
            Assert.True(renewed.NotBefore > first.NotBefore);
            Assert.NotEqual(((RsaKeyParameters)first.PublicKey).Modulus, ((RsaKeyParameters)renewed.PublicKey).Modulus);
            Assert.False(renewed.IsBadCase);
        }

        [Fact]
        public void Idn_HasPunycodeRfc822NameAndUnicodeSmtpUtf8Mailbox()
        {
            TestUser user = Pki.Users["idn"];
            Assert.Equal(new[] { "juergen@xn--bcher-kva.example" }, Rfc822Names(user.Certificate));
            Assert.Equal(new[] { "jürgen@bücher.example" }, SmtpUtf8Mailboxes(user.Certificate));
            Assert.Equal("juergen@xn--bcher-kva.example", SubjectEmail(user.Certificate));
            Assert.Equal("jürgen@bücher.example", user.Mailbox);
        }

        [Fact]
        public void Erin_HasSeparateSigningAndEncryptionCertificates()
        {
            TestUser signing = Pki.Users["ed25519"];
            TestUser encryption = Pki.Users["x25519"];
            Assert.Equal(signing.Mailbox, encryption.Mailbox);
            Assert.NotEqual(signing.Thumbprint, encryption.Thumbprint);
            Assert.Equal(new[] { "digitalSignature" }, signing.KeyUsages);
            Assert.Equal(new[] { "keyAgreement" }, encryption.KeyUsages);
        }

        [Fact]
        public void Uppercase_KeepsMixedCaseAddress()
        {
            TestUser user = Pki.Users["uppercase"];
            Assert.Equal("upper.case@example.com", user.Mailbox);
            Assert.Equal("Upper.Case@Example.COM", user.CertificateEmail);
            Assert.Equal(new[] { "Upper.Case@Example.COM" }, Rfc822Names(user.Certificate));
            Assert.Equal("Upper.Case@Example.COM", SubjectEmail(user.Certificate));
            using X509Certificate2 cert = user.GetCertificate();
            Assert.Contains("E=Upper.Case@Example.COM", cert.Subject, StringComparison.Ordinal);
            Assert.Equal("Upper.Case@Example.COM", cert.GetNameInfo(X509NameType.EmailName, forIssuer: false));
        }

        [Fact]
        public void Mismatch_CertificateNamesSomeoneElse()
        {
            TestUser user = Pki.Users["mismatch"];
            Assert.Equal("mallory@example.com", user.Mailbox);
            Assert.Equal(new[] { "someone-else@example.org" }, Rfc822Names(user.Certificate));
            Assert.Equal("someone-else@example.org", SubjectEmail(user.Certificate));
        }

        [Fact]
        public void Validity_FollowsTheCases()
        {
            DateTime now = Pki.CreatedUtc;
            foreach (TestUser user in Pki.Users.Values)
            {
                using X509Certificate2 cert = user.GetCertificate();
                Assert.Equal(user.NotBefore, cert.NotBefore.ToUniversalTime());
                Assert.Equal(user.NotAfter, cert.NotAfter.ToUniversalTime());
                switch (user.Name)
                {
                    case "expired":
                        Assert.Equal(now.AddYears(-2), user.NotBefore);
                        Assert.Equal(now.AddYears(-1), user.NotAfter);
                        break;
                    case "notyetvalid":
                        Assert.Equal(now.AddYears(1), user.NotBefore);
                        Assert.Equal(now.AddYears(3), user.NotAfter);
                        break;
                    case "renewed":
                        Assert.Equal(now.AddHours(-1), user.NotBefore);
                        Assert.Equal(now.AddHours(-1).AddYears(2), user.NotAfter);
                        break;
                    default:
                        Assert.Equal(now.AddDays(-1), user.NotBefore);
                        Assert.Equal(now.AddDays(-1).AddYears(2), user.NotAfter);
                        break;
                }
            }
        }

        [Fact]
        public void SerialNumbers_AreRandomPositiveSixteenBytes()
        {
            var serials = new HashSet<string>(StringComparer.Ordinal) { Pki.Root.SerialNumber, Pki.Intermediate.SerialNumber };
            foreach (TestUser user in Pki.Users.Values)
            {
                Assert.True(serials.Add(user.SerialNumber), "duplicate serial " + user.SerialNumber);
            }

            foreach (BcCertificate cert in Pki.Users.Values.Select(u => u.Certificate).Append(Pki.Root.Certificate).Append(Pki.Intermediate.Certificate))
            {
                Assert.Equal(1, cert.SerialNumber.SignValue);
                Assert.Equal(16, cert.SerialNumber.ToByteArray().Length);
            }
        }

        [Fact]
        public void IntermediateCrl_VerifiesAndListsExactlyTheRevokedUser()
        {
            X509Crl crl = new X509CrlParser().ReadCrl(File.ReadAllBytes(Pki.Intermediate.CrlDerPath));
            crl.Verify(Pki.Intermediate.PublicKey);
            Assert.Throws<InvalidKeyException>(() => crl.Verify(Pki.Root.PublicKey));
            Assert.Equal(Pki.Intermediate.Certificate.SubjectDN, crl.IssuerDN);
            Assert.Equal(2, crl.Version);
            Assert.Equal(Pki.CreatedUtc, crl.ThisUpdate);
            Assert.Equal(Pki.CreatedUtc.AddDays(30), crl.NextUpdate);
            Assert.Equal(BigInteger.One, CrlNumber(crl));
            Assert.Equal(Sha1OfPublicKey(Pki.Intermediate.Certificate), CrlAuthorityKeyId(crl));

            TestUser revoked = Pki.Users["revoked"];
            X509CrlEntry entry = Assert.Single(crl.GetRevokedCertificates());
            Assert.Equal(revoked.Certificate.SerialNumber, entry.SerialNumber);
            Assert.Equal(revoked.RevocationDate, entry.RevocationDate);
            Assert.True(entry.RevocationDate < Pki.CreatedUtc);
            Asn1Object reasonValue = X509ExtensionUtilities.FromExtensionValue(entry.GetExtensionValue(X509Extensions.ReasonCode));
            Assert.Equal(CrlReason.KeyCompromise, DerEnumerated.GetInstance(reasonValue).IntValueExact);

            Assert.True(crl.IsRevoked(revoked.Certificate));
            foreach (TestUser user in Pki.Users.Values.Where(u => u.Name != "revoked"))
            {
                Assert.False(crl.IsRevoked(user.Certificate), user.Name);
                Assert.False(user.IsRevoked);
            }

            Assert.Equal(PemBody(Pki.Intermediate.CrlPemPath, "X509 CRL"), File.ReadAllBytes(Pki.Intermediate.CrlDerPath));
        }

        [Fact]
        public void RootCrl_IsEmptyAndVerifies()
        {
            X509Crl crl = new X509CrlParser().ReadCrl(File.ReadAllBytes(Pki.Root.CrlDerPath));
            crl.Verify(Pki.Root.PublicKey);
            Assert.Equal(Pki.Root.Certificate.SubjectDN, crl.IssuerDN);
            Assert.Null(crl.GetRevokedCertificates());
            Assert.Equal(Pki.CreatedUtc.AddDays(30), crl.NextUpdate);
            Assert.Equal(BigInteger.One, CrlNumber(crl));
            Assert.Equal(Sha1OfPublicKey(Pki.Root.Certificate), CrlAuthorityKeyId(crl));
            Assert.Equal(PemBody(Pki.Root.CrlPemPath, "X509 CRL"), File.ReadAllBytes(Pki.Root.CrlDerPath));
        }

        [Theory]
        [MemberData(nameof(DotNetKeyUsers))]
        public void Pkcs12_OpensInDotNetAndKeyMatchesCertificate(string name)
        {
            TestUser user = Pki.Users[name];
            using X509Certificate2 withKey = X509CertificateLoader.LoadPkcs12FromFile(user.Pkcs12Path, Pki.Password);
            Assert.True(withKey.HasPrivateKey);
            Assert.Equal(user.Thumbprint, withKey.Thumbprint);
            AssertKeyWorks(withKey);

            X509Certificate2Collection all = X509CertificateLoader.LoadPkcs12CollectionFromFile(user.Pkcs12Path, Pki.Password);
            try
            {
                Assert.Equal(
                    new[] { Pki.Intermediate.Thumbprint, user.Thumbprint }.OrderBy(t => t, StringComparer.Ordinal),
                    all.Select(c => c.Thumbprint).OrderBy(t => t, StringComparer.Ordinal));
            }
            finally
            {
                foreach (X509Certificate2 c in all)
                {
                    c.Dispose();
                }
            }

            Assert.ThrowsAny<CryptographicException>(() => X509CertificateLoader.LoadPkcs12FromFile(user.Pkcs12Path, "wrong-password"));
        }

        [Theory]
        [MemberData(nameof(AllUsers))]
        public void Pkcs12_OpensInBouncyCastleAndKeyMatchesCertificate(string name)
        {
            TestUser user = Pki.Users[name];
            Pkcs12Store store = new Pkcs12StoreBuilder().Build();
            using (FileStream stream = File.OpenRead(user.Pkcs12Path))
            {
                store.Load(stream, Pki.Password.ToCharArray());
            }

            string alias = Assert.Single(store.Aliases, store.IsKeyEntry);
            Assert.Equal(name, alias);
            AsymmetricKeyParameter key = store.GetKey(alias).Key;
            Assert.True(key.IsPrivate);
            AssertKeyPair(key, user.Certificate.GetPublicKey());
            X509CertificateEntry[] chain = store.GetCertificateChain(alias);
            Assert.Equal(user.Certificate, chain[0].Certificate);
            Assert.Contains(chain, e => e.Certificate.Equals(Pki.Intermediate.Certificate));
        }

        [Fact]
        public void Pkcs12_UsesPbes2AesAndHmacSha256()
        {
            Pfx pfx = Pfx.GetInstance(File.ReadAllBytes(Pki.Users["rsa2048"].Pkcs12Path));
            Assert.Equal("2.16.840.1.101.3.4.2.1", pfx.MacData.Mac.DigestAlgorithm.Algorithm.Id);
            Assert.True(pfx.MacData.IterationCount.IntValue >= 2048);

            byte[] authSafeBytes = Asn1OctetString.GetInstance(pfx.AuthSafe.Content).GetOctets();
            var algorithms = new List<string>();
            foreach (Org.BouncyCastle.Asn1.Pkcs.ContentInfo info in AuthenticatedSafe.GetInstance(authSafeBytes).GetContentInfo())
            {
                if (info.ContentType.Equals(PkcsObjectIdentifiers.EncryptedData))
                {
                    var encryptedData = Asn1Sequence.GetInstance(info.Content);
                    var contentInfo = Asn1Sequence.GetInstance(encryptedData[1]);
                    algorithms.Add(Pbes2Description(AlgorithmIdentifier.GetInstance(contentInfo[1])));
                }
                else
                {
                    byte[] contents = Asn1OctetString.GetInstance(info.Content).GetOctets();
                    foreach (Asn1Encodable element in Asn1Sequence.GetInstance(contents))
                    {
                        SafeBag bag = SafeBag.GetInstance(element);
                        Assert.Equal(PkcsObjectIdentifiers.Pkcs8ShroudedKeyBag, bag.BagID);
                        algorithms.Add(Pbes2Description(EncryptedPrivateKeyInfo.GetInstance(bag.BagValue).EncryptionAlgorithm));
                    }
                }
            }

            Assert.Equal(new[] { "PBES2/PBKDF2/hmacWithSHA256/aes256-CBC", "PBES2/PBKDF2/hmacWithSHA256/aes256-CBC" }, algorithms);
        }

        [Theory]
        [MemberData(nameof(AllUsers))]
        public void EncryptedKey_DecryptsWithPassword(string name)
        {
            TestUser user = Pki.Users[name];
            var info = EncryptedPrivateKeyInfo.GetInstance(PemBody(user.EncryptedPrivateKeyPath, "ENCRYPTED PRIVATE KEY"));
            Assert.Equal(PkcsObjectIdentifiers.IdPbeS2, info.EncryptionAlgorithm.Algorithm);
            AsymmetricKeyParameter key = PrivateKeyFactory.DecryptKey(Pki.Password.ToCharArray(), info);
            AssertKeyPair(key, user.Certificate.GetPublicKey());

            string pem = File.ReadAllText(user.EncryptedPrivateKeyPath);
            if (user.KeyAlgorithm == "RSA")
            {
                using RSA rsa = RSA.Create();
                rsa.ImportFromEncryptedPem(pem, Pki.Password);
                using X509Certificate2 cert = user.GetCertificate();
                Assert.Equal(cert.GetRSAPublicKey()!.ExportParameters(false).Modulus, rsa.ExportParameters(false).Modulus);
            }
            else if (user.KeyAlgorithm == "ECDSA")
            {
                using ECDsa ecdsa = ECDsa.Create();
                ecdsa.ImportFromEncryptedPem(pem, Pki.Password);
                using X509Certificate2 cert = user.GetCertificate();
                Assert.Equal(cert.GetECDsaPublicKey()!.ExportParameters(false).Q.X, ecdsa.ExportParameters(false).Q.X);
            }
        }

        [Theory]
        [MemberData(nameof(DotNetKeyUsers))]
        public void GetCertificateWithPrivateKey_SignsAndVerifies(string name)
        {
            using X509Certificate2 cert = Pki.Users[name].GetCertificateWithPrivateKey();
            Assert.True(cert.HasPrivateKey);
            Assert.True(Pki.Users[name].SupportsDotNetPrivateKey);
            AssertKeyWorks(cert);
        }

        [Fact]
        public void GetCertificateWithPrivateKey_EcKeyAgreementCertificateHasEcdhKey()
        {
            using X509Certificate2 cert = Pki.Users["p256"].GetCertificateWithPrivateKey();
            using ECDiffieHellman? ecdh = cert.GetECDiffieHellmanPrivateKey();
            Assert.NotNull(ecdh);
            Assert.Equal(256, ecdh!.KeySize);
        }

        [Theory]
        [InlineData("ed25519")]
        [InlineData("x25519")]
        public void GetCertificateWithPrivateKey_ThrowsForCurve25519(string name)
        {
            Assert.False(Pki.Users[name].SupportsDotNetPrivateKey);
            Assert.Throws<NotSupportedException>(() => Pki.Users[name].GetCertificateWithPrivateKey());
        }

        [Fact]
        public void Cas_GetCertificateWithPrivateKey()
        {
            using X509Certificate2 intermediate = Pki.Intermediate.GetCertificateWithPrivateKey();
            AssertKeyWorks(intermediate);
            using X509Certificate2 root = Pki.Root.GetCertificateWithPrivateKey();
            AssertKeyWorks(root);
        }

        [Fact]
        public void Manifest_RoundTrips()
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(Pki.ManifestPath));
            JsonElement manifest = document.RootElement;
            Assert.Equal(1, manifest.GetProperty("schemaVersion").GetInt32());
            Assert.Equal(Pki.Folder, manifest.GetProperty("folder").GetString());
            Assert.Equal(Pki.Password, manifest.GetProperty("password").GetString());
            Assert.Equal(Pki.CreatedUtc, ParseUtc(manifest.GetProperty("createdUtc")));
            Assert.Equal(Pki.CrlBaseUri.AbsoluteUri, manifest.GetProperty("crlBaseUri").GetString());
            Assert.Equal(Pki.ChainPemPath, manifest.GetProperty("chainPemPath").GetString());
            Assert.Equal(Pki.ChainWithCrlsPemPath, manifest.GetProperty("chainWithCrlsPemPath").GetString());
            Assert.Equal(Pki.BundleP7bPath, manifest.GetProperty("bundleP7bPath").GetString());
            Assert.Equal(Pki.ManifestPath, manifest.GetProperty("manifestPath").GetString());

            foreach ((string property, TestCertificateAuthority ca) in new[] { ("root", Pki.Root), ("intermediate", Pki.Intermediate) })
            {
                JsonElement json = manifest.GetProperty(property);
                Assert.Equal(ca.Name, json.GetProperty("name").GetString());
                Assert.Equal(ca.Subject, json.GetProperty("subject").GetString());
                Assert.Equal(ca.KeyAlgorithm, json.GetProperty("keyAlgorithm").GetString());
                Assert.Equal(ca.KeySize, json.GetProperty("keySize").GetInt32());
                Assert.Equal(ca.Thumbprint, json.GetProperty("thumbprint").GetString());
                Assert.Equal(ca.SerialNumber, json.GetProperty("serialNumber").GetString());
                Assert.Equal(ca.NotBefore, ParseUtc(json.GetProperty("notBefore")));
                Assert.Equal(ca.NotAfter, ParseUtc(json.GetProperty("notAfter")));
                Assert.Equal(ca.CertificatePath, json.GetProperty("certificatePath").GetString());
                Assert.Equal(ca.CertificateDerPath, json.GetProperty("certificateDerPath").GetString());
                Assert.Equal(ca.PrivateKeyPath, json.GetProperty("privateKeyPath").GetString());
                Assert.Equal(ca.CrlPemPath, json.GetProperty("crlPemPath").GetString());
                Assert.Equal(ca.CrlDerPath, json.GetProperty("crlDerPath").GetString());
                Assert.Equal(ca.CrlUri, json.GetProperty("crlUri").GetString());
                Assert.Equal(ca.Crl.ThisUpdate, ParseUtc(json.GetProperty("crlThisUpdate")));
                Assert.Equal(ca.Crl.NextUpdate, ParseUtc(json.GetProperty("crlNextUpdate")));
                using X509Certificate2 cert = X509CertificateLoader.LoadCertificateFromFile(json.GetProperty("certificatePath").GetString()!);
                Assert.Equal(json.GetProperty("thumbprint").GetString(), cert.Thumbprint);
            }

            JsonElement[] users = manifest.GetProperty("users").EnumerateArray().ToArray();
            Assert.Equal(Pki.UserNames, users.Select(u => u.GetProperty("name").GetString()));
            foreach (JsonElement json in users)
            {
                TestUser user = Pki.Users[json.GetProperty("name").GetString()!];
                Assert.Equal(user.Mailbox, json.GetProperty("mailbox").GetString());
                Assert.Equal(user.CertificateEmail, json.GetProperty("certificateEmail").GetString());
                Assert.Equal(user.SubjectEmail, json.GetProperty("subjectEmail").GetString());
                Assert.Equal(user.SmtpUtf8Mailbox, json.GetProperty("smtpUtf8Mailbox").GetString());
                Assert.Equal(user.Subject, json.GetProperty("subject").GetString());
                Assert.Equal(user.Description, json.GetProperty("description").GetString());
                Assert.Equal(user.IsBadCase, json.GetProperty("badCase").GetBoolean());
                Assert.Equal(user.IsRevoked, json.GetProperty("revoked").GetBoolean());
                Assert.Equal(
                    user.RevocationDate,
                    json.GetProperty("revocationDate").ValueKind == JsonValueKind.Null ? null : ParseUtc(json.GetProperty("revocationDate")));
                Assert.Equal(user.KeyAlgorithm, json.GetProperty("keyAlgorithm").GetString());
                Assert.Equal(user.KeySize, json.GetProperty("keySize").GetInt32());
                Assert.Equal(user.KeyUsages, json.GetProperty("keyUsages").EnumerateArray().Select(e => e.GetString()));
                Assert.Equal(user.ExtendedKeyUsages, json.GetProperty("extendedKeyUsages").EnumerateArray().Select(e => e.GetString()));
                Assert.Equal(user.Thumbprint, json.GetProperty("thumbprint").GetString());
                Assert.Equal(user.SerialNumber, json.GetProperty("serialNumber").GetString());
                Assert.Equal(user.NotBefore, ParseUtc(json.GetProperty("notBefore")));
                Assert.Equal(user.NotAfter, ParseUtc(json.GetProperty("notAfter")));
                foreach (string pathProperty in new[] { "certificatePath", "certificateDerPath", "privateKeyPath", "encryptedPrivateKeyPath", "pkcs12Path" })
                {
                    string path = json.GetProperty(pathProperty).GetString()!;
                    Assert.True(Path.IsPathRooted(path), pathProperty);
                    Assert.True(File.Exists(path), path);
                }

                Assert.Equal(user.CertificatePath, json.GetProperty("certificatePath").GetString());
                Assert.Equal(user.Pkcs12Path, json.GetProperty("pkcs12Path").GetString());
                using X509Certificate2 cert = X509CertificateLoader.LoadCertificateFromFile(json.GetProperty("certificateDerPath").GetString()!);
                Assert.Equal(json.GetProperty("thumbprint").GetString(), cert.Thumbprint);
                Assert.Equal(json.GetProperty("serialNumber").GetString(), cert.SerialNumber);
            }
        }

        [SkippableFact]
        public void OpenSsl_AcceptsTheFiles()
        {
            Skip.IfNot(OpenSslAvailable(), "openssl is not on PATH, so this test did not run.");

            TestUser alice = Pki.Users["rsa2048"];
            string pass = "pass:" + Pki.Password;

            (int code, string stdout, string stderr) = Run("openssl", "pkcs12", "-in", alice.Pkcs12Path, "-info", "-noout", "-passin", pass);
            output.WriteLine(stderr);
            Assert.True(code == 0, stderr);
            Assert.Contains("MAC: sha256", stderr + stdout, StringComparison.Ordinal);
            Assert.Contains("PBES2, PBKDF2, AES-256-CBC", stderr + stdout, StringComparison.Ordinal);

            foreach (TestUser user in Pki.Users.Values)
            {
                (code, _, stderr) = Run("openssl", "pkcs12", "-in", user.Pkcs12Path, "-noout", "-passin", pass);
                Assert.True(code == 0, user.Name + ": " + stderr);
                (code, _, stderr) = Run("openssl", "pkey", "-in", user.EncryptedPrivateKeyPath, "-passin", pass, "-noout");
                Assert.True(code == 0, user.Name + ": " + stderr);
                (code, _, stderr) = Run("openssl", "pkey", "-in", user.PrivateKeyPath, "-noout");
                Assert.True(code == 0, user.Name + ": " + stderr);
            }

            (code, stdout, stderr) = Run("openssl", "verify", "-CAfile", Pki.Root.CertificatePath, "-untrusted", Pki.Intermediate.CertificatePath, alice.CertificatePath);
            Assert.True(code == 0, stdout + stderr);
            Assert.Contains(": OK", stdout, StringComparison.Ordinal);

            (code, stdout, stderr) = Run("openssl", "verify", "-crl_check_all", "-CAfile", Pki.ChainWithCrlsPemPath, alice.CertificatePath);
            Assert.True(code == 0, stdout + stderr);

            (code, stdout, stderr) = Run("openssl", "verify", "-crl_check_all", "-CAfile", Pki.ChainWithCrlsPemPath, Pki.Users["revoked"].CertificatePath);
            Assert.NotEqual(0, code);
            Assert.Contains("certificate revoked", stdout + stderr, StringComparison.Ordinal);

            (code, stdout, stderr) = Run("openssl", "pkcs7", "-inform", "DER", "-in", Pki.BundleP7bPath, "-print_certs", "-noout");
            Assert.True(code == 0, stderr);
            Assert.Contains("SmimeTools Test Root CA", stdout, StringComparison.Ordinal);
            Assert.Contains("SmimeTools Test Intermediate CA", stdout, StringComparison.Ordinal);
        }

        private static void AssertFile(string path, string expectedName)
        {
            Assert.True(Path.IsPathRooted(path), path);
            Assert.Equal(expectedName, Path.GetFileName(path));
            Assert.True(File.Exists(path), path);
            Assert.True(new FileInfo(path).Length > 0, path);
        }

        private static T Extension<T>(X509Certificate2 cert)
            where T : X509Extension
        {
            return Assert.Single(cert.Extensions.OfType<T>());
        }

        private static byte[] PemBody(string path, string label)
        {
            string text = File.ReadAllText(path);
            PemFields fields = PemEncoding.Find(text);
            Assert.Equal(label, text[fields.Label]);
            return Convert.FromBase64String(text[fields.Base64Data]);
        }

        private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);

        private static byte[] Sha1OfPublicKey(BcCertificate cert) => SHA1.HashData(cert.SubjectPublicKeyInfo.PublicKey.GetBytes());

        private static string[] Rfc822Names(BcCertificate cert)
        {
            GeneralNames? names = cert.GetSubjectAlternativeNameExtension();
            Assert.NotNull(names);
            return names!.GetNames()
                .Where(n => n.TagNo == GeneralName.Rfc822Name)
                .Select(n => DerIA5String.GetInstance(n.Name).GetString())
                .ToArray();
        }

        private static string[] SmtpUtf8Mailboxes(BcCertificate cert)
        {
            GeneralNames? names = cert.GetSubjectAlternativeNameExtension();
            Assert.NotNull(names);
            return names!.GetNames()
                .Where(n => n.TagNo == GeneralName.OtherName)
                .Select(n => Asn1Sequence.GetInstance(n.Name))
                .Where(s => DerObjectIdentifier.GetInstance(s[0]).Id == "1.3.6.1.5.5.7.8.9")
                .Select(s => DerUtf8String.GetInstance(Asn1TaggedObject.GetInstance(s[1]).GetExplicitBaseObject()).GetString())
                .ToArray();
        }

        private static string? SubjectEmail(BcCertificate cert)
        {
            IList<string> values = cert.SubjectDN.GetValueList(X509Name.EmailAddress);
            return values.Count == 0 ? null : Assert.Single(values);
        }

        private static string[] CrlUris(BcCertificate cert)
        {
            Asn1OctetString? value = cert.GetExtensionValue(X509Extensions.CrlDistributionPoints);
            Assert.NotNull(value);
            CrlDistPoint points = CrlDistPoint.GetInstance(X509ExtensionUtilities.FromExtensionValue(value!));
            return points.GetDistributionPoints()
                .SelectMany(p => GeneralNames.GetInstance(p.DistributionPointName.Name).GetNames())
                .Where(n => n.TagNo == GeneralName.UniformResourceIdentifier)
                .Select(n => DerIA5String.GetInstance(n.Name).GetString())
                .ToArray();
        }

        private static BigInteger CrlNumber(X509Crl crl)
        {
            Asn1OctetString value = crl.GetExtensionValue(X509Extensions.CrlNumber);
            return DerInteger.GetInstance(X509ExtensionUtilities.FromExtensionValue(value)).PositiveValue;
        }

        private static byte[] CrlAuthorityKeyId(X509Crl crl)
        {
            Asn1OctetString value = crl.GetExtensionValue(X509Extensions.AuthorityKeyIdentifier);
            return AuthorityKeyIdentifier.GetInstance(X509ExtensionUtilities.FromExtensionValue(value)).KeyIdentifier.GetOctets();
        }

        private static string[] UsageNames(X509KeyUsageFlags flags)
        {
            var names = new List<string>();
            if (flags.HasFlag(X509KeyUsageFlags.DigitalSignature))
            {
                names.Add("digitalSignature");
            }

            if (flags.HasFlag(X509KeyUsageFlags.KeyEncipherment))
            {
                names.Add("keyEncipherment");
            }

            if (flags.HasFlag(X509KeyUsageFlags.KeyAgreement))
            {
                names.Add("keyAgreement");
            }

            return names.ToArray();
        }

        private static string Pbes2Description(AlgorithmIdentifier algorithm)
        {
            Assert.Equal(PkcsObjectIdentifiers.IdPbeS2, algorithm.Algorithm);
            PbeS2Parameters parameters = PbeS2Parameters.GetInstance(algorithm.Parameters);
            Assert.Equal(PkcsObjectIdentifiers.IdPbkdf2, parameters.KeyDerivationFunc.Algorithm);
            Pbkdf2Params kdf = Pbkdf2Params.GetInstance(parameters.KeyDerivationFunc.Parameters);
            string prf = kdf.Prf.Algorithm.Equals(PkcsObjectIdentifiers.IdHmacWithSha256) ? "hmacWithSHA256" : kdf.Prf.Algorithm.Id;
            string cipher = parameters.EncryptionScheme.Algorithm.Id == "2.16.840.1.101.3.4.1.42" ? "aes256-CBC" : parameters.EncryptionScheme.Algorithm.Id;
            return "PBES2/PBKDF2/" + prf + "/" + cipher;
        }

        /// <summary>Signs with the private key and verifies with the certificate's public key.</summary>
        private static void AssertKeyWorks(X509Certificate2 cert)
        {
            byte[] data = Encoding.UTF8.GetBytes("SmimeTools test data");
            using RSA? rsa = cert.GetRSAPrivateKey();
            if (rsa is not null)
            {
                byte[] signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using RSA publicKey = cert.GetRSAPublicKey()!;
                Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
                return;
            }

            using ECDsa? ecdsa = cert.GetECDsaPrivateKey();
            Assert.NotNull(ecdsa);
            byte[] ecSignature = ecdsa!.SignData(data, HashAlgorithmName.SHA256);
            using ECDsa ecPublic = cert.GetECDsaPublicKey()!;
            Assert.True(ecPublic.VerifyData(data, ecSignature, HashAlgorithmName.SHA256));
        }

        /// <summary>Asserts that a BouncyCastle private key belongs to the public key.</summary>
        private static void AssertKeyPair(AsymmetricKeyParameter privateKey, AsymmetricKeyParameter publicKey)
        {
            switch (privateKey)
            {
                case RsaPrivateCrtKeyParameters rsa:
                    Assert.Equal(((RsaKeyParameters)publicKey).Modulus, rsa.Modulus);
                    Assert.Equal(((RsaKeyParameters)publicKey).Exponent, rsa.PublicExponent);
                    break;
                case ECPrivateKeyParameters ec:
                    Assert.Equal(((ECPublicKeyParameters)publicKey).Q.Normalize(), ec.Parameters.G.Multiply(ec.D).Normalize());
                    break;
                case Ed25519PrivateKeyParameters ed:
                    Assert.Equal(((Ed25519PublicKeyParameters)publicKey).GetEncoded(), ed.GeneratePublicKey().GetEncoded());
                    break;
                case X25519PrivateKeyParameters x:
                    Assert.Equal(((X25519PublicKeyParameters)publicKey).GetEncoded(), x.GeneratePublicKey().GetEncoded());
                    break;
                default:
                    Assert.Fail("Unexpected key type " + privateKey.GetType().Name);
                    break;
            }
        }

        private static DateTime ParseUtc(JsonElement element)
        {
            string text = element.GetString()!;
            Assert.EndsWith("Z", text, StringComparison.Ordinal);
            return DateTime.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        }

        private static bool OpenSslAvailable()
        {
            try
            {
                return Run("openssl", "version").ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }

        internal static (int ExitCode, string Stdout, string Stderr) Run(string fileName, params string[] arguments)
        {
            var start = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException(fileName + " did not finish in 120 s.");
            }

            process.WaitForExit();
            return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }
}
