using System;
using System.Linq;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Enrolment;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Engine.Tokens;
using SmimeTools.Tests.Tokens;
using Xunit;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.Tests.Enrolment
{
    /// <summary>
    /// The local CA and its CRLs through the engine API: the S/MIME profile read back from the issued DER with
    /// BouncyCastle, signatures checked with the CA's public key, validity cut back to the CA's, requests checked, and a
    /// CA key on a SoftHSM2 token signing certificates and CRLs (skipped with the reason when SoftHSM2 is absent).
    /// </summary>
    public sealed class LocalCertificateAuthorityTests
    {
        private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

        /// <summary>A self-signed CA identity with its key, and the engine's signing key for it.</summary>
        private static (X509Certificate2 Certificate, PrivateKey Key) NewCa(TimeSpan lifetime, TokenKeyType type = TokenKeyType.P256)
        {
            using var key = KeyGeneration.Generate(type);
            var options = new IssuanceOptions { CertificateAuthority = true, NotAfter = Now + lifetime };
            var issued = LocalCertificateAuthority.SelfSigned(new X500DistinguishedName("CN=Engine Test CA"), key, options, Now);
            var certificate = key is RSA rsa ? issued.Certificate.CopyWithPrivateKey(rsa) : issued.Certificate.CopyWithPrivateKey((ECDsa)key);
            return (certificate, PrivateKeys.Open(new DotNetKeyReference(certificate, KeyLocation.File)));
        }

        private static X509Certificate Parse(X509Certificate2 certificate) => new X509CertificateParser().ReadCertificate(certificate.RawData);

        private static IssuanceOptions Mail(string email, params string[] crlUris)
        {
            var options = new IssuanceOptions();
            options.Emails.Add(email);
            foreach (var uri in crlUris)
            {
                options.CrlDistributionPoints.Add(uri);
            }

            return options;
        }

        [Fact]
        public void AnIssuedCertificateCarriesTheSmimeProfileAndTheCaSignature()
        {
            // The CA outlives the default year of a mail certificate, so nothing is cut back here.
            var (ca, caKey) = NewCa(TimeSpan.FromDays(800));
            using var rsa = RSA.Create(2048);
            var issued = new LocalCertificateAuthority(caKey).Issue(new X500DistinguishedName("CN=Alice"), new PublicKey(rsa),
                Mail("alice@example.test", "http://ca.example.test/ca.crl"), Now);
            var parsed = Parse(issued.Certificate);

            parsed.Verify(Parse(ca).GetPublicKey());
            Assert.Equal(Parse(ca).SubjectDN, parsed.IssuerDN);
            var names = parsed.GetSubjectAlternativeNames().Select(n => ((int)n[0], n[1].ToString()!)).ToList();
            Assert.Equal(new[] { (GeneralName.Rfc822Name, "alice@example.test") }, names);
            var usage = parsed.GetKeyUsage();
            Assert.True(usage[0]);  // digitalSignature
            Assert.True(usage[2]);  // keyEncipherment
            Assert.False(usage[4]); // not keyAgreement for RSA
            Assert.False(usage[5]); // not keyCertSign
            Assert.Equal(new[] { "1.3.6.1.5.5.7.3.4" }, parsed.GetExtendedKeyUsage().Select(o => o.Id));
            Assert.Equal(-1, parsed.GetBasicConstraints());
            Assert.Contains(X509Extensions.KeyUsage.Id, parsed.GetCriticalExtensionOids());

            var aki = AuthorityKeyIdentifier.GetInstance(X509ExtensionUtilities.FromExtensionValue(parsed.GetExtensionValue(X509Extensions.AuthorityKeyIdentifier)));
            var caSki = SubjectKeyIdentifier.GetInstance(X509ExtensionUtilities.FromExtensionValue(Parse(ca).GetExtensionValue(X509Extensions.SubjectKeyIdentifier)));
            Assert.Equal(caSki.GetKeyIdentifier(), aki.KeyIdentifier.GetOctets());
            Assert.NotNull(parsed.GetExtensionValue(X509Extensions.SubjectKeyIdentifier));

            var points = CrlDistPoint.GetInstance(X509ExtensionUtilities.FromExtensionValue(parsed.GetExtensionValue(X509Extensions.CrlDistributionPoints)));
            var uri = GeneralNames.GetInstance(points.GetDistributionPoints()[0].DistributionPointName.Name).GetNames()[0];
            Assert.Equal("http://ca.example.test/ca.crl", uri.Name.ToString());

            Assert.Equal(1, parsed.SerialNumber.SignValue);
            Assert.InRange(parsed.SerialNumber.ToByteArrayUnsigned().Length, 15, 16);
            Assert.Equal(16, issued.Certificate.SerialNumberBytes.Length);
            Assert.False(issued.ValidityClipped);
            Assert.Equal((Now + IssuanceOptions.DefaultValidity).ToUnixTimeSeconds(), new DateTimeOffset(issued.Certificate.NotAfter.ToUniversalTime()).ToUnixTimeSeconds());
        }

        [Fact]
        public void EcKeysGetKeyAgreementAndSigningOnlyLeavesItOut()
        {
            var (_, caKey) = NewCa(TimeSpan.FromDays(30));
            var authority = new LocalCertificateAuthority(caKey);
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var both = Parse(authority.Issue(new X500DistinguishedName("CN=Bob"), new PublicKey(ec), Mail("bob@example.test"), Now).Certificate);
            var signing = Mail("bob@example.test");
            signing.Usage = IssuedKeyUsage.Signing;
            var signOnly = Parse(authority.Issue(new X500DistinguishedName("CN=Bob"), new PublicKey(ec), signing, Now).Certificate);

            Assert.True(both.GetKeyUsage()[0]);
            Assert.True(both.GetKeyUsage()[4]);
            Assert.False(both.GetKeyUsage()[2]);
            Assert.True(signOnly.GetKeyUsage()[0]);
            Assert.False(signOnly.GetKeyUsage()[4]);
        }

        [Fact]
        public void AValidityBeyondTheCaIsCutBackToTheCasEnd()
        {
            var (ca, caKey) = NewCa(TimeSpan.FromDays(10));
            var options = Mail("carol@example.test");
            options.NotAfter = Now.AddYears(1);
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var issued = new LocalCertificateAuthority(caKey).Issue(new X500DistinguishedName("CN=Carol"), new PublicKey(ec), options, Now);

            Assert.True(issued.ValidityClipped);
            Assert.Equal(ca.NotAfter, issued.Certificate.NotAfter);
            Assert.Equal(options.NotAfter, issued.RequestedNotAfter);
            Assert.True(issued.Certificate.NotBefore >= ca.NotBefore);
        }

        [Fact]
        public void AnExpiredCaOrOneThatIsNoCaIssuesNothing()
        {
            var (ca, _) = NewCa(TimeSpan.FromDays(1));
            var error = Assert.Throws<SmimeException>(() => LocalCertificateAuthority.CheckIssuer(ca, Now.AddDays(2)));
            Assert.Equal(ErrorIds.CertificateExpired, error.ErrorId);

            var (_, caKey) = NewCa(TimeSpan.FromDays(30));
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var leaf = new LocalCertificateAuthority(caKey).Issue(new X500DistinguishedName("CN=Leaf"), new PublicKey(ec), Mail("leaf@example.test"), Now).Certificate;
            Assert.Equal(ErrorIds.IssuerNotCertificateAuthority, Assert.Throws<SmimeException>(() => LocalCertificateAuthority.CheckIssuer(leaf)).ErrorId);
            Assert.Equal(ErrorIds.IssuerNotCertificateAuthority, Assert.Throws<SmimeException>(() => RevocationListIssuer.CheckIssuer(leaf)).ErrorId);
        }

        [Fact]
        public void ARequestIsCheckedAndAWeakKeyRefusedUnlessAllowed()
        {
            var (_, caKey) = NewCa(TimeSpan.FromDays(30));
            var authority = new LocalCertificateAuthority(caKey);
            using var weak = RSA.Create(1024);
            var pkcs10 = new CertificateRequest("CN=Old Key", weak, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddEmailAddress("old@example.test");
            pkcs10.CertificateExtensions.Add(san.Build());
            var request = SigningRequest.Parse(pkcs10.CreateSigningRequestPem(), "old");
            Assert.Equal(1024, request.KeySize);
            Assert.Equal(new[] { "old@example.test" }, request.Emails);

            Assert.Equal(ErrorIds.WeakKey, Assert.Throws<SmimeException>(() => authority.Issue(request, null, new IssuanceOptions(), Now)).ErrorId);
            var issued = authority.Issue(request, null, new IssuanceOptions { AllowWeakAlgorithm = true }, Now);
            Assert.Equal("CN=Old Key", issued.Certificate.Subject);
            Assert.Contains("old@example.test", CertificateFacts.GetEmails(issued.Certificate));

            var tampered = pkcs10.CreateSigningRequest();
            tampered[tampered.Length - 3] ^= 0x5A;
            Assert.Equal(ErrorIds.InvalidCertificateRequest, Assert.Throws<SmimeException>(() => SigningRequest.Parse(tampered, "tampered")).ErrorId);
            Assert.Equal(ErrorIds.InvalidCertificateRequest, Assert.Throws<SmimeException>(() => SigningRequest.Parse("not pem", "text")).ErrorId);
        }

        [Fact]
        public void AnEd25519RequestFromBouncyCastleGetsASigningCertificate()
        {
            var (_, caKey) = NewCa(TimeSpan.FromDays(30));
            var generator = new Org.BouncyCastle.Crypto.Generators.Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
            var pair = generator.GenerateKeyPair();
            var request = new Pkcs10CertificationRequest(new Asn1SignatureFactory("Ed25519", pair.Private), new X509Name("CN=Edwards"), pair.Public, null);
            var parsed = SigningRequest.Parse(request.GetEncoded(), "ed25519");
            Assert.Equal(KeyAlgorithmKind.Ed25519, parsed.KeyAlgorithm);

            var options = Mail("ed@example.test");
            options.Usage = IssuedKeyUsage.Signing;
            var issued = Parse(new LocalCertificateAuthority(caKey).Issue(parsed, null, options, Now).Certificate);
            Assert.True(issued.GetKeyUsage()[0]);
            Assert.False(issued.GetKeyUsage()[2]);
            Assert.IsType<Ed25519PublicKeyParameters>(issued.GetPublicKey());

            options.Usage = IssuedKeyUsage.Encryption;
            Assert.Equal(ErrorIds.UnsupportedKey, Assert.Throws<SmimeException>(() => new LocalCertificateAuthority(caKey).Issue(parsed, null, options, Now)).ErrorId);
        }

        [Fact]
        public void ACrlCarriesNumberAkiAndReasonsAndAPreviousCrlsEntries()
        {
            var (ca, caKey) = NewCa(TimeSpan.FromDays(30), TokenKeyType.Rsa2048);
            var issuer = new RevocationListIssuer(caKey);
            var first = issuer.Issue(new[] { new RevocationEntry(new byte[] { 0x0A, 0x1B }, Now.AddHours(-1), X509RevocationReason.KeyCompromise) },
                Now.AddDays(1), new BigInteger(41), now: Now);
            var previous = RevocationListIssuer.LoadPrevious(first, ca, "first", out var previousNumber);
            var second = issuer.Issue(new[] { new RevocationEntry(new byte[] { 0x0C }) }, Now.AddDays(1), null, previous, previousNumber, Now);

            var crl = new X509CrlParser().ReadCrl(second);
            crl.Verify(Parse(ca).GetPublicKey());
            Assert.Equal(new Org.BouncyCastle.Math.BigInteger("42"), DerInteger.GetInstance(X509ExtensionUtilities.FromExtensionValue(crl.GetExtensionValue(X509Extensions.CrlNumber))).Value);
            var aki = AuthorityKeyIdentifier.GetInstance(X509ExtensionUtilities.FromExtensionValue(crl.GetExtensionValue(X509Extensions.AuthorityKeyIdentifier)));
            var caSki = SubjectKeyIdentifier.GetInstance(X509ExtensionUtilities.FromExtensionValue(Parse(ca).GetExtensionValue(X509Extensions.SubjectKeyIdentifier)));
            Assert.Equal(caSki.GetKeyIdentifier(), aki.KeyIdentifier.GetOctets());
            var serials = crl.GetRevokedCertificates().Select(e => e.SerialNumber.IntValue).OrderBy(v => v).ToList();
            Assert.Equal(new[] { 0x0C, 0x0A1B }, serials);
            var compromised = crl.GetRevokedCertificate(new Org.BouncyCastle.Math.BigInteger("0A1B", 16));
            var reason = CrlReason.GetInstance(X509ExtensionUtilities.FromExtensionValue(compromised.GetExtensionValue(X509Extensions.ReasonCode)));
            Assert.Equal(CrlReason.KeyCompromise, reason.IntValueExact);

            var described = RevocationListIssuer.Describe(second, "second.crl");
            Assert.Equal(2, described.RevokedCount);
            Assert.Equal(new BigInteger(42), described.CrlNumber);

                        Assert.Equal(ErrorIds.UnreadableCrlFile, Assert.Throws<SmimeException>(() => RevocationListIssuer.LoadPrevious(first, X509CertificateLoader.LoadCertificate(CaNamed("CN=Other CA")), "first", out _)).ErrorId);
        }

        [SkippableFact]
        public void ACaKeyOnATokenSignsCertificatesAndCrls()
        {
            Skip.If(SoftHsm.Missing != null, SoftHsm.Missing);
            var hsm = SoftHsm.Instance!;
            const string label = "smime-ca";
            hsm.InitToken(label);
            var pin = TokenPin.FromText(SoftHsm.UserPin);

            var (ca, _) = NewCa(TimeSpan.FromDays(30), TokenKeyType.Rsa2048);
            var pkcs8 = ca.GetRSAPrivateKey()!.ExportPkcs8PrivateKey();
            var fileIdentity = FileKeyReference.Attach(X509CertificateLoader.LoadCertificate(ca.RawData), PrivateKeyFactory.CreateKey(pkcs8));
            using (var writer = new TokenWriter(hsm.LibraryPath, label, pin))
            {
                writer.Write(new CertificateEntry(fileIdentity, "ca"));
            }

            var onToken = new Pkcs11CertificateSource(hsm.LibraryPath, label, pin).Read()
                .Single(e => e.KeyLocation == KeyLocation.Token && e.Certificate.Thumbprint == ca.Thumbprint);
            using var tokenKey = PrivateKeys.Open(onToken.Key!);
            Assert.Equal(KeyLocation.Token, tokenKey.Location);

            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var issued = new LocalCertificateAuthority(tokenKey).Issue(new X500DistinguishedName("CN=Dana"), new PublicKey(ec), Mail("dana@example.test"), Now);
            Parse(issued.Certificate).Verify(Parse(ca).GetPublicKey());

            var crl = new RevocationListIssuer(tokenKey).Issue(new[] { RevocationEntry.Of(issued.Certificate) }, now: Now);
            new X509CrlParser().ReadCrl(crl).Verify(Parse(ca).GetPublicKey());
        }

        private static byte[] CaNamed(string name)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return LocalCertificateAuthority.SelfSigned(new X500DistinguishedName(name), key, new IssuanceOptions { CertificateAuthority = true }, Now).Certificate.RawData;
        }
    }
}
