using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class CertificateSelectorTests
    {
        private readonly TestPkiFixture _fixture;

        public CertificateSelectorTests(TestPkiFixture fixture) => _fixture = fixture;

        private CertificateEntry Public(string name, string source = "address book") =>
            new(_fixture.Pki.Users[name].GetCertificate(), null, source);

        private CertificateEntry Identity(string name, string source = "my store") =>
            TestEntries.Identity(_fixture.Pki.Users[name], source);

        private static CertificateSource Source(string description, params CertificateEntry[] entries) =>
            new CertificateCollectionSource(entries, description);

        [Fact]
        public void NewestNotBeforeWins()
        {
            var resolver = new RecipientResolver(new[] { Source("address book", Public("rsa2048"), Public("renewed"), Public("rsa3072")) });
            var choice = resolver.Resolve("Alice@Example.com");
            Assert.Equal(_fixture.Pki.Users["renewed"].Thumbprint, choice.Chosen.Certificate.Thumbprint);
            Assert.Equal(CertificateUsage.Encryption, choice.Usage);
            Assert.Contains(choice.Reasons, r => r.StartsWith("Looking for a certificate to encrypt to Alice@Example.com in address book: 2 of 3", StringComparison.Ordinal));
            Assert.Contains("the newest of 2 usable ones", choice.Reasons[^1], StringComparison.Ordinal);
        }

        [Fact]
        public void SenderNeedsTheKeySoAnOlderIdentityBeatsANewerCertificateWithoutOne()
        {
            var selector = new SenderCertificateSelector(new[]
            {
                Source("Cert:\\CurrentUser\\AddressBook", Public("renewed", "Cert:\\CurrentUser\\AddressBook")),
                Source("Cert:\\CurrentUser\\My", Identity("rsa2048", "Cert:\\CurrentUser\\My")),
            });
            var choice = selector.Select("alice@example.com");
            Assert.Equal(_fixture.Pki.Users["rsa2048"].Thumbprint, choice.Chosen.Certificate.Thumbprint);
            Assert.Contains(choice.Reasons, r => r.StartsWith("Rejected " + _fixture.Pki.Users["renewed"].Thumbprint, StringComparison.Ordinal)
                && r.Contains("private key is not at hand", StringComparison.Ordinal));
            Assert.Contains("the only usable one", choice.Reasons[^1], StringComparison.Ordinal);
            Assert.Contains("private key is in a file", choice.Reasons[^1], StringComparison.Ordinal);
        }

        [Fact]
        public void UsageSeparatesErinsSigningAndEncryptionCertificates()
        {
            var sources = new[] { Source("my store", Identity("ed25519"), Identity("x25519")) };
            Assert.Equal(_fixture.Pki.Users["ed25519"].Thumbprint, new SenderCertificateSelector(sources).Select("erin@example.com").Chosen.Certificate.Thumbprint);
            Assert.Equal(_fixture.Pki.Users["x25519"].Thumbprint, new RecipientResolver(sources).Resolve("erin@example.com").Chosen.Certificate.Thumbprint);
            Assert.Equal(_fixture.Pki.Users["x25519"].Thumbprint, new SenderCertificateSelector(sources).FindEncryptionCertificate("erin@example.com")!.Chosen.Certificate.Thumbprint);
        }

        [Fact]
        public void AddressesMatchRegardlessOfCaseAndIdnForm()
        {
            var resolver = new RecipientResolver(new[] { Source("folder", Public("uppercase"), Public("idn")) });
            Assert.Equal(_fixture.Pki.Users["uppercase"].Thumbprint, resolver.Resolve("upper.case@example.com").Chosen.Certificate.Thumbprint);
            Assert.Equal(_fixture.Pki.Users["idn"].Thumbprint, resolver.Resolve("jürgen@bücher.example").Chosen.Certificate.Thumbprint);
            Assert.Equal(_fixture.Pki.Users["idn"].Thumbprint, resolver.Resolve("juergen@bücher.example").Chosen.Certificate.Thumbprint);
        }

        [Fact]
        public void NoCertificateForTheAddressNamesTheAddressAndTheSources()
        {
            var resolver = new RecipientResolver(new[] { Source("Cert:\\CurrentUser\\AddressBook", Public("rsa3072")), Source("Cert:\\CurrentUser\\My") });
            var error = Assert.Throws<SmimeException>(() => resolver.Resolve("mallory@example.com"));
            Assert.Equal(ErrorIds.NoMatchingCertificate, error.ErrorId);
            Assert.Equal("mallory@example.com", error.Target);
            Assert.Contains("mallory@example.com", error.Message, StringComparison.Ordinal);
            Assert.Contains("Cert:\\CurrentUser\\AddressBook", error.Message, StringComparison.Ordinal);
            Assert.Contains("Cert:\\CurrentUser\\My", error.Message, StringComparison.Ordinal);
            Assert.NotNull(error.RecommendedAction);
        }

        [Theory]
        [InlineData("expired", "NotAfter")]
        [InlineData("notyetvalid", "NotBefore")]
        [InlineData("signonly", "keyEncipherment")]
        [InlineData("wrongeku", "emailProtection")]
        public void RejectedCandidatesAreExplained(string name, string evidence)
        {
            var resolver = new RecipientResolver(new[] { Source("folder", Public(name)) });
            var error = Assert.Throws<SmimeException>(() => resolver.Resolve(_fixture.Pki.Users[name].Mailbox));
            Assert.Equal(ErrorIds.NoMatchingCertificate, error.ErrorId);

            // The reason is named by the certificate's own facts (a date, a usage name), not by wording.
            using var certificate = _fixture.Pki.Users[name].GetCertificate();
            var expected = evidence switch
            {
                "NotAfter" => CertificateQuery.Format(certificate.NotAfter),
                "NotBefore" => CertificateQuery.Format(certificate.NotBefore),
                _ => evidence,
            };
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.Contains(_fixture.Pki.Users[name].Thumbprint, error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void SameNotBeforeWithDifferentKeysIsAmbiguous()
        {
            var notBefore = DateTimeOffset.UtcNow.AddDays(-2);
            var first = Make("twin@example.com", notBefore, out _);
            var second = Make("twin@example.com", notBefore, out _);
            var older = Make("twin@example.com", notBefore.AddDays(-1), out _);
            var resolver = new RecipientResolver(new[] { Source("store", Entry(older), Entry(first), Entry(second)) });
            var error = Assert.Throws<SmimeException>(() => resolver.Resolve("twin@example.com"));
            Assert.Equal(ErrorIds.AmbiguousCertificate, error.ErrorId);
            Assert.Contains(first.Thumbprint, error.Message, StringComparison.Ordinal);
            Assert.Contains(second.Thumbprint, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(older.Thumbprint, error.Message, StringComparison.Ordinal);
            Assert.Contains("-Thumbprint", error.RecommendedAction, StringComparison.Ordinal);
        }

        [Fact]
        public void SameNotBeforeWithTheSameKeyIsNoTie()
        {
            var notBefore = DateTimeOffset.UtcNow.AddDays(-2);
            var first = Make("reissued@example.com", notBefore, out var key, years: 1);
            var longer = Make("reissued@example.com", notBefore, out _, key, years: 2);
            var choice = new RecipientResolver(new[] { Source("store", Entry(first), Entry(longer)) }).Resolve("reissued@example.com");
            Assert.Equal(longer.Thumbprint, choice.Chosen.Certificate.Thumbprint);
        }

        [Fact]
        public void TheSameCertificateInTwoSourcesIsOneCandidateAndTheCopyWithTheKeyWins()
        {
            var selector = new SenderCertificateSelector(new[]
            {
                Source("Cert:\\CurrentUser\\AddressBook", Public("rsa3072", "Cert:\\CurrentUser\\AddressBook")),
                Source("Cert:\\CurrentUser\\My", Identity("rsa3072", "Cert:\\CurrentUser\\My")),
            });
            var choice = selector.Select("bob@example.com");
            Assert.Equal(KeyLocation.File, choice.Chosen.KeyLocation);
            Assert.Contains("in Cert:\\CurrentUser\\AddressBook and Cert:\\CurrentUser\\My", choice.Reasons[^1], StringComparison.Ordinal);
            Assert.Contains("the only usable one", choice.Reasons[^1], StringComparison.Ordinal);
        }

        [Fact]
        public void SourcesAreReadOnceForManyAddresses()
        {
            var counting = new CountingCertificateSource(Public("rsa2048"), Public("rsa3072"), Public("p256"));
            var choices = new RecipientResolver(new[] { counting }).ResolveAll(new[] { "alice@example.com", "bob@example.com", "carol@example.com" });
            Assert.Equal(3, choices.Count);
            Assert.Equal(1, counting.Reads);
        }

        [Fact]
        public void ValidityIsJudgedAtTheGivenTime()
        {
            var past = _fixture.Pki.CreatedUtc.AddYears(-1).AddDays(-10);
            var choice = new RecipientResolver(new[] { Source("folder", Public("expired")) }, past).Resolve("expired@example.com");
            Assert.Equal(_fixture.Pki.Users["expired"].Thumbprint, choice.Chosen.Certificate.Thumbprint);
        }

        [Fact]
        public void AStoreTheOsDoesNotHaveIsSkippedUnlessItIsTheOnlyOne()
        {
            var missing = new FailingSource();
            var choice = new RecipientResolver(new[] { missing, Source("Cert:\\CurrentUser\\My", Public("rsa3072")) }).Resolve("bob@example.com");
            Assert.Equal(_fixture.Pki.Users["rsa3072"].Thumbprint, choice.Chosen.Certificate.Thumbprint);
            Assert.Contains(choice.Reasons, r => r.Contains("Cert:\\CurrentUser\\AddressBook", StringComparison.Ordinal));

            var none = Assert.Throws<SmimeException>(() => new RecipientResolver(new[] { missing, Source("Cert:\\CurrentUser\\My") }).Resolve("bob@example.com"));
            Assert.Equal(ErrorIds.NoMatchingCertificate, none.ErrorId);
            Assert.Contains("Cert:\\CurrentUser\\AddressBook", none.Message, StringComparison.Ordinal);

            var only = Assert.Throws<SmimeException>(() => new RecipientResolver(new[] { missing }).Resolve("bob@example.com"));
            Assert.Equal(ErrorIds.StoreUnavailable, only.ErrorId);
        }

        private static CertificateEntry Entry(X509Certificate2 certificate) => new(certificate, null, "store");

        private sealed class FailingSource : CertificateSource
        {
            public override string Description => "Cert:\\CurrentUser\\AddressBook";

            public override IEnumerable<CertificateEntry> Read(Action<SmimeException>? problem = null) =>
                throw new SmimeException(ErrorIds.StoreUnavailable, SmimeErrorKind.ResourceUnavailable, "Cannot open the certificate store.");
        }

        private static X509Certificate2 Make(string email, DateTimeOffset notBefore, out ECDsa key, ECDsa? reuse = null, int years = 1)
        {
            key = reuse ?? ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=Test " + email, key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddEmailAddress(email);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.4") }, false));
            using var withKey = request.CreateSelfSigned(notBefore, notBefore.AddYears(years));
            return X509CertificateLoader.LoadCertificate(withKey.RawData);
        }
    }
}
