using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Ldap;
using SmimeTools.Engine.Trust;
using Xunit;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace SmimeTools.Tests.Ldap
{
    /// <summary>Publishing to a real slapd (append, replace, already there, declined, ambiguous) and CRLs from ldap:// distribution points.</summary>
    public sealed class DirectoryPublishAndCrlTests : IClassFixture<DirectoryFixture>
    {
        private readonly DirectoryFixture _fixture;

        public DirectoryPublishAndCrlTests(DirectoryFixture fixture) => _fixture = fixture;

        private void SkipWithoutSlapd() => Skip.If(_fixture.WhyUnavailable != null, "No test directory: " + _fixture.WhyUnavailable);

        [SkippableFact]
        public void PublishingAppendsReplacesAndLeavesACopyThatIsThere()
        {
            SkipWithoutSlapd();
            var p384 = _fixture.Pki.Users["p384"].GetCertificate();
            var rsa = _fixture.Pki.Users["rsa2048"].GetCertificate();
            using var publisher = new DirectoryPublisher(_fixture.StartTls(_fixture.Admin));
            var asked = new List<string>();
            bool Yes(string dn, string what)
            {
                asked.Add(dn + ": " + what);
                return true;
            }

            Assert.Null(publisher.Publish(p384, null, replace: false, (_, _) => false));
            using (var reader = _fixture.Plain())
            {
                Assert.Equal(ErrorIds.DirectoryEntryWithoutCertificate, Assert.Throws<SmimeException>(() => reader.FindByAddress("dave@example.com")).ErrorId);
            }

            var added = publisher.Publish(p384, null, replace: false, Yes)!;
            Assert.Equal(DirectoryPublishAction.Added, added.Action);
            Assert.Equal("uid=dave," + global::SmimeTools.TestPki.TestDirectoryServer.PeopleDn, added.DistinguishedName);
            Assert.Equal("dave@example.com", added.Address);
            Assert.Equal(0, added.PreviousCount);
            Assert.StartsWith("uid=dave", Assert.Single(asked), StringComparison.Ordinal);

            Assert.Equal(DirectoryPublishAction.AlreadyPresent, publisher.Publish(p384, null, replace: false, Yes)!.Action);
            Assert.Single(asked);

            Assert.Equal(DirectoryPublishAction.Added, publisher.Publish(rsa, "dave@example.com", replace: false, Yes)!.Action);
            using (var reader = _fixture.Plain())
            {
                Assert.Equal(2, reader.FindByAddress("dave@example.com").Count);
            }

            var replaced = publisher.Publish(p384, "dave@example.com", replace: true, Yes)!;
            Assert.Equal(DirectoryPublishAction.Replaced, replaced.Action);
            Assert.Equal(2, replaced.PreviousCount);
            using (var reader = _fixture.Plain())
            {
                Assert.Equal(p384.Thumbprint, Assert.Single(reader.FindByAddress("dave@example.com")).Certificate.Thumbprint);
            }
        }

        [SkippableFact]
        public void PublishingNeedsExactlyOneEntryAndTheRightToWrite()
        {
            SkipWithoutSlapd();
            var certificate = _fixture.Pki.Users["p256"].GetCertificate();
            using (var publisher = new DirectoryPublisher(_fixture.Tls(_fixture.Admin)))
            {
                Assert.Equal(ErrorIds.DirectoryEntryAmbiguous, Assert.Throws<SmimeException>(() => publisher.Publish(certificate, "twins@example.com", false, (_, _) => true)).ErrorId);
                Assert.Equal(ErrorIds.DirectoryEntryNotFound, Assert.Throws<SmimeException>(() => publisher.Publish(certificate, "nobody@example.com", false, (_, _) => true)).ErrorId);
            }

            using var anonymous = new DirectoryPublisher(_fixture.Tls());
            var refused = Assert.Throws<SmimeException>(() => anonymous.Publish(certificate, "nocert@example.com", false, (_, _) => true));
            Assert.Equal(ErrorIds.DirectoryOperationFailed, refused.ErrorId);
            Assert.Contains("uid=nocert", refused.Message, StringComparison.Ordinal);
        }

        [SkippableFact]
        public void CrlsAreFetchedFromLdapDistributionPoints()
        {
            SkipWithoutSlapd();
            var fetcher = new LdapRevocationFetcher();
            var crl = fetcher.FetchCrl(new Uri(_fixture.Server!.CrlUri), 1 << 20, CancellationToken.None);
            Assert.Equal(File.ReadAllBytes(Path.Combine(_fixture.Pki.Folder, "intermediate.crl")), crl);

            var tooSmall = Assert.Throws<SmimeTools.Engine.SmimeException>(() => fetcher.FetchCrl(new Uri(_fixture.Server.CrlUri), 10, CancellationToken.None));
            Assert.Equal(SmimeTools.Engine.ErrorIds.CrlTooLarge, tooSmall.ErrorId);
            Assert.Null(new LdapRevocationFetcher(new NoFetcher()).FetchCrl(new Uri("http://127.0.0.1/x.crl"), 100, CancellationToken.None));
        }

        [SkippableFact]
        public void OnlineRevocationReadsTheCrlFromTheDirectory()
        {
            SkipWithoutSlapd();
            var user = IssueWithLdapDistributionPoint(out var serial);
            var options = new ValidationOptions { RevocationMode = RevocationMode.Online, OnlineTimeout = TimeSpan.FromSeconds(20), Fetcher = new LdapRevocationFetcher() };
            options.TrustedRoots.Add(_fixture.Root);
            options.AddCrlPath(Path.Combine(_fixture.Pki.Folder, "root.crl")); // the intermediate's own CRL point is http, not served here
            var good = PathValidator.Validate(user, new[] { _fixture.Pki.Intermediate.GetCertificate() }, null, options);
            Assert.True(good.IsValid, string.Join(" | ", good.Problems));
            var check = good.RevocationChecks.First(c => c.FetchedOnline);
            Assert.Equal(RevocationStatus.Good, check.Status);

            // Revoke it: a new CRL in the CA's entry.
            var pki = _fixture.Pki;
            var generator = new X509V2CrlGenerator();
            generator.SetIssuerDN(pki.Intermediate.Certificate.SubjectDN);
            generator.SetThisUpdate(DateTime.UtcNow.AddMinutes(-1));
            generator.SetNextUpdate(DateTime.UtcNow.AddDays(1));
            generator.AddCrlEntry(serial, DateTime.UtcNow.AddMinutes(-1), CrlReason.KeyCompromise);
            generator.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.ValueOf(2)));
            var crl = generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", pki.Intermediate.PrivateKey, new SecureRandom()));
            using (var admin = _fixture.Tls(_fixture.Admin))
            {
                admin.Connection().Modify(global::SmimeTools.TestPki.TestDirectoryServer.CaEntryDn,
                    new[] { (LdapModification.Replace, "certificateRevocationList;binary", (IReadOnlyList<byte[]>)new[] { crl.GetEncoded() }) });
            }

            try
            {
                var revoked = PathValidator.Validate(user, new[] { _fixture.Pki.Intermediate.GetCertificate() }, null, options);
                Assert.False(revoked.IsValid);
                Assert.Contains(revoked.RevocationChecks, c => c.Status == RevocationStatus.Revoked);
            }
            finally
            {
                using var admin = _fixture.Tls(_fixture.Admin);
                admin.Connection().Modify(global::SmimeTools.TestPki.TestDirectoryServer.CaEntryDn,
                    new[] { (LdapModification.Replace, "certificateRevocationList;binary", (IReadOnlyList<byte[]>)new[] { File.ReadAllBytes(Path.Combine(pki.Folder, "intermediate.crl")) }) });
            }
        }

        private System.Security.Cryptography.X509Certificates.X509Certificate2 IssueWithLdapDistributionPoint(out BigInteger serial)
        {
            var pki = _fixture.Pki;
            var key = GeneratorUtilities.GetKeyPairGenerator("EC");
            key.Init(new Org.BouncyCastle.Crypto.Parameters.ECKeyGenerationParameters(Org.BouncyCastle.Asn1.Sec.SecObjectIdentifiers.SecP256r1, new SecureRandom()));
            var pair = key.GenerateKeyPair();
            serial = BigInteger.ValueOf(DateTime.UtcNow.Ticks);
            var generator = new X509V3CertificateGenerator();
            generator.SetSerialNumber(serial);
            generator.SetIssuerDN(pki.Intermediate.Certificate.SubjectDN);
            generator.SetSubjectDN(new X509Name("O=SmimeTools Test,CN=LDAP CRL User"));
            generator.SetNotBefore(DateTime.UtcNow.AddHours(-1));
            generator.SetNotAfter(DateTime.UtcNow.AddDays(30));
            generator.SetPublicKey(pair.Public);
            generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_emailProtection));
            generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false,
                new AuthorityKeyIdentifier(Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateSubjectKeyIdentifier(pki.Intermediate.Certificate.GetPublicKey()).GetKeyIdentifier()));
            var point = new DistributionPoint(new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, _fixture.Server!.CrlUri))), null, null);
            generator.AddExtension(X509Extensions.CrlDistributionPoints, false, new CrlDistPoint(new[] { point }));
            var certificate = generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", pki.Intermediate.PrivateKey, new SecureRandom()));
            return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate.GetEncoded());
        }

        private sealed class NoFetcher : IRevocationFetcher
        {
            public byte[]? FetchCrl(Uri location, long maxBytes, CancellationToken cancellationToken) => null;

            public byte[]? SendOcspRequest(Uri responder, byte[] request, long maxBytes, CancellationToken cancellationToken) => null;
        }
    }
}
