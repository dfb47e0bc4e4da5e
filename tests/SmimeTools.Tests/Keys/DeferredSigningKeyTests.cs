using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Keys
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class DeferredSigningKeyTests
    {
        private readonly TestPkiFixture _fixture;

        public DeferredSigningKeyTests(TestPkiFixture fixture) => _fixture = fixture;

        [Fact]
        public void OpensTheKeyOnlyWhenASignatureIsMade()
        {
            var certificate = _fixture.Pki.Users["rsa2048"].GetCertificateWithPrivateKey();
            var opened = 0;
            using var key = new DeferredSigningKey(certificate, () =>
            {
                opened++;
                return PrivateKeys.Open(new DotNetKeyReference(certificate, KeyLocation.File));
            });

            // Choosing the signer and planning the message (what -WhatIf does) reads only the certificate.
            Assert.Equal(KeyAlgorithmKind.Rsa, key.Algorithm);
            Assert.Equal(certificate.Thumbprint, key.Certificate.Thumbprint);
            Assert.False(key.IsOpen);
            Assert.Equal(0, opened);

            var data = new byte[] { 1, 2, 3 };
            var signature = key.Sign(data, DigestAlgorithm.Sha256, SignatureAlgorithm.RsaPkcs1);
            key.Sign(data, DigestAlgorithm.Sha256, SignatureAlgorithm.RsaPkcs1);
            Assert.Equal(1, opened);
            Assert.True(certificate.GetRSAPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
    }
}
