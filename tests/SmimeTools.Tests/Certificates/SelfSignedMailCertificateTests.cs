using System;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    /// <summary>
    /// The rule for CA certificates in mail: a self-signed one of an address (what openssl req -x509 makes) is a person's,
    /// unless it may sign certificates or issued another certificate of its bundle; every other CA certificate is a chain's.
    /// </summary>
    public sealed class SelfSignedMailCertificateTests
    {
        [Fact]
        public void ASelfSignedCaCertificateOfAnAddressSignsAndIsEncryptedTo()
        {
            // As OpenSSL's default configuration makes it: basicConstraints cA, no key usage, no extended key usage.
            var alice = SelfSigned("CN=Alice", ca: true, email: "alice@example.com");
            Assert.True(CertificateUsageRules.IsMailCertificate(alice));
            Assert.Null(CertificateUsageRules.Explain(alice, CertificateUsage.Signing));
            Assert.Null(CertificateUsageRules.Explain(alice, CertificateUsage.Encryption));
            Assert.Equal(new[] { alice.Thumbprint }, ProtectionParties.RecipientsAmong(new[] { alice }).Select(c => c.Thumbprint));
        }

        [Fact]
        public void ItIsFoundByItsAddressInAStoreToSignAndToEncryptTo()
        {
            var alice = SelfSigned("CN=Alice", ca: true, email: "alice@example.com");
            var store = new[] { new CertificateCollectionSource(new[] { new CertificateEntry(alice, new DotNetKeyReference(alice, KeyLocation.Store), "my store") }, "my store") };
            Assert.Equal(alice.Thumbprint, new SenderCertificateSelector(store).Select("Alice@Example.com").Chosen.Certificate.Thumbprint);
            Assert.Equal(alice.Thumbprint, new RecipientResolver(store).Resolve("alice@example.com").Chosen.Certificate.Thumbprint);
        }

        [Fact]
        public void ItsKeyUsageAndExtendedKeyUsageStillCount()
        {
            var signOnly = SelfSigned("CN=Alice", ca: true, email: "alice@example.com", keyUsage: X509KeyUsageFlags.DigitalSignature);
            Assert.Null(CertificateUsageRules.Explain(signOnly, CertificateUsage.Signing));
            Assert.Contains("keyAgreement", CertificateUsageRules.Explain(signOnly, CertificateUsage.Encryption), StringComparison.Ordinal);

            var tls = SelfSigned("CN=Alice", ca: true, email: "alice@example.com", eku: "1.3.6.1.5.5.7.3.2");
            Assert.Contains("emailProtection", CertificateUsageRules.Explain(tls, CertificateUsage.Signing), StringComparison.Ordinal);
        }

        [Fact]
        public void ACaCertificateWithoutAnAddressOrAllowedToSignCertificatesIsNoPersons()
        {
            var noAddress = SelfSigned("CN=Some Root", ca: true, email: null);
            var issuing = SelfSigned("CN=Alice", ca: true, email: "alice@example.com",
                keyUsage: X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement);
            foreach (var authority in new[] { noAddress, issuing })
            {
                Assert.False(CertificateUsageRules.IsMailCertificate(authority));
                Assert.StartsWith("it is a CA certificate", CertificateUsageRules.Explain(authority, CertificateUsage.Signing), StringComparison.Ordinal);
                Assert.StartsWith("it is a CA certificate", CertificateUsageRules.Explain(authority, CertificateUsage.Encryption), StringComparison.Ordinal);
                var e = Assert.Throws<SmimeException>(() => ProtectionParties.RecipientsAmong(new[] { authority }));
                Assert.Equal(ErrorIds.NoMatchingCertificate, e.ErrorId);
            }
        }

        [Fact]
        public void AnIntermediateCaWithAnAddressInItsSubjectIsNoRecipient()
        {
            var root = SelfSigned("CN=Old Root, E=root@ca.example", ca: true, email: null);
            var intermediate = Issued(root, "CN=Mail CA, E=mail-ca@ca.example", ca: true);
            Assert.Equal("mail-ca@ca.example", Assert.Single(CertificateFacts.GetEmails(intermediate)));
            Assert.False(CertificateUsageRules.IsMailCertificate(intermediate));
            Assert.Equal("it is a CA certificate (basicConstraints cA) issued by another CA", CertificateUsageRules.Explain(intermediate, CertificateUsage.Encryption));

            // Looked up by its address in a store, it is rejected, and the reason says why.
            var selector = new RecipientResolver(new[] { new CertificateCollectionSource(new[] { new CertificateEntry(intermediate, null, "store") }, "store") });
            var e = Assert.Throws<SmimeException>(() => selector.Resolve("mail-ca@ca.example"));
            Assert.Equal(ErrorIds.NoMatchingCertificate, e.ErrorId);
            Assert.Contains("issued by another CA", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ASelfSignedRootOfAnAddressThatIssuedAnotherCertificateOfTheBundleIsTheChains()
        {
            // Old roots carry E= and no key usage; in a bundle with the user's certificate they issued, they are its chain.
            var root = SelfSigned("CN=Premium Root, E=premium@ca.example", ca: true, email: null);
            Assert.True(CertificateUsageRules.IsMailCertificate(root));
            var user = Issued(root, "CN=Bob, E=bob@example.com", ca: false);
            Assert.Equal(new[] { user.Thumbprint }, ProtectionParties.RecipientsAmong(new[] { root, user }).Select(c => c.Thumbprint));
            Assert.Equal(new[] { user.Thumbprint }, CertificateUsageRules.MailCertificatesAmong(new[] { user, root }).Select(c => c.Thumbprint));
            Assert.Equal(new[] { root.Thumbprint }, CertificateUsageRules.MailCertificatesAmong(new[] { root }).Select(c => c.Thumbprint));
        }

        private static X509Certificate2 SelfSigned(string subject, bool ca, string? email, X509KeyUsageFlags? keyUsage = null, string? eku = null)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = Request(subject, ca, email, keyUsage, eku, key);
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        }

        private static X509Certificate2 Issued(X509Certificate2 issuer, string subject, bool ca)
        {
            // The issuer came from CreateSelfSigned, so it holds its key.
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = Request(subject, ca, null, null, null, key);
            return request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(20), new byte[] { 1, 2, 3, (byte)subject.Length });
        }

        private static CertificateRequest Request(string subject, bool ca, string? email, X509KeyUsageFlags? keyUsage, string? eku, ECDsa key)
        {
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
            if (email != null)
            {
                var san = new SubjectAlternativeNameBuilder();
                san.AddEmailAddress(email);
                request.CertificateExtensions.Add(san.Build());
            }

            if (keyUsage != null)
            {
                request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage.Value, true));
            }

            if (eku != null)
            {
                request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(eku) }, false));
            }

            return request;
        }
    }
}
