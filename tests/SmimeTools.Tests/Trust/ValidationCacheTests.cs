using System;
using SmimeTools.Engine.Trust;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Trust
{
    /// <summary>One validation per signer and pipeline: reused only for the same options, certificate, carried certificates and CRLs.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class ValidationCacheTests
    {
        private readonly TestPkiFixture _fixture;

        public ValidationCacheTests(TestPkiFixture fixture) => _fixture = fixture;

        private global::SmimeTools.TestPki.TestPki Pki => _fixture.Pki;

        private ValidationOptions Options()
        {
            var options = new ValidationOptions { RevocationMode = RevocationMode.Offline };
            options.TrustedRoots.Add(Pki.Root.GetCertificate());
            options.Crls.Add(Pki.Root.GetCrlDer());
            return options;
        }

        [Fact]
        public void TheSameSignerWithTheSameCarriedCertificatesIsValidatedOnce()
        {
            var cache = new ValidationCache();
            var options = Options();
            options.Crls.Add(Pki.Intermediate.GetCrlDer());
            var intermediates = new[] { Pki.Intermediate.GetCertificate() };

            var first = cache.Validate(Pki.Users["rsa2048"].GetCertificate(), intermediates, null, options);
            var second = cache.Validate(Pki.Users["rsa2048"].GetCertificate(), new[] { Pki.Intermediate.GetCertificate() }, null, options);

            Assert.True(first.IsValid, string.Join(" | ", first.Problems));
            Assert.Same(first, second);
            Assert.Equal(1, cache.Hits);
        }

        [Fact]
        public void AnotherCrlInTheMessageOtherOptionsOrAnotherSignerAreValidatedAgain()
        {
            var cache = new ValidationCache();
            var options = Options();
            var revoked = Pki.Users["revoked"].GetCertificate();
            var intermediates = new[] { Pki.Intermediate.GetCertificate() };

            // Without the intermediate's CRL the revocation is unknown; a message carrying it shows the revocation.
            var unknown = cache.Validate(revoked, intermediates, null, options);
            var carried = cache.Validate(revoked, intermediates, new[] { Pki.Intermediate.GetCrlDer() }, options);
            var otherOptions = cache.Validate(revoked, intermediates, null, Options());
            var otherSigner = cache.Validate(Pki.Users["rsa3072"].GetCertificate(), intermediates, null, options);

            Assert.NotEqual(TrustProblemCode.Revoked, unknown.Status);
            Assert.Equal(TrustProblemCode.Revoked, carried.Status);
            Assert.NotSame(unknown, otherOptions);
            Assert.NotEqual(unknown.Certificate.Thumbprint, otherSigner.Certificate.Thumbprint);
            Assert.Equal(0, cache.Hits);
        }

        [Fact]
        public void AResultIsNotReusedAfterItsLifetime()
        {
            var cache = new ValidationCache { Lifetime = TimeSpan.Zero };
            var options = Options();
            var first = cache.Validate(Pki.Users["rsa2048"].GetCertificate(), new[] { Pki.Intermediate.GetCertificate() }, null, options);
            var second = cache.Validate(Pki.Users["rsa2048"].GetCertificate(), new[] { Pki.Intermediate.GetCertificate() }, null, options);
            Assert.NotSame(first, second);
            Assert.Equal(0, cache.Hits);
        }
    }
}
