using System.Linq;
using System.Threading.Tasks;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Cms
{
    /// <summary>
    /// Certificates a pipeline meets in every message are decoded once, and what is read off them (key size, public key)
    /// once per certificate object; a certificate its user has disposed is decoded again, not handed out broken.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class CertificateReuseTests
    {
        private readonly TestPkiFixture _fixture;

        public CertificateReuseTests(TestPkiFixture fixture) => _fixture = fixture;

        [Fact]
        public void TheSameEncodingIsOneObjectUntilItsUserDisposesIt()
        {
            var der = _fixture.Pki.Users["rsa3072"].GetCertificateDer();
            var first = DecodedCertificates.Decode(der);
            Assert.Same(first, DecodedCertificates.Decode((byte[])der.Clone()));
            Assert.NotSame(first, DecodedCertificates.Decode(_fixture.Pki.Users["p256"].GetCertificateDer()));

            first.Dispose();
            var again = DecodedCertificates.Decode(der);
            Assert.NotSame(first, again);
            Assert.Equal(3072, KeyAlgorithms.SizeOf(again));
        }

        [Theory]
        [InlineData("rsa2048", 2048)]
        [InlineData("rsa3072", 3072)]
        [InlineData("p256", 256)]
        [InlineData("ed25519", 256)]
        public void TheKeySizeIsReadOnceAndStaysRightOnEveryThread(string user, int bits)
        {
            using var certificate = _fixture.Pki.Users[user].GetCertificate();
            var sizes = Enumerable.Range(0, 64).AsParallel().WithDegreeOfParallelism(4).Select(_ => KeyAlgorithms.SizeOf(certificate)).ToArray();
            Assert.All(sizes, size => Assert.Equal(bits, size));
            Assert.Same(CertificateKeyMemo.Of(certificate), CertificateKeyMemo.Of(certificate));
        }

        [Fact]
        public void OneSharedPublicKeyVerifiesSignaturesFromManyThreadsAtOnce()
        {
            // Signatures by one signer checked in parallel, as -ThrottleLimit does: every one valid, a damaged one invalid.
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            var content = SigningTestKeys.SampleContent(300);
            var signature = SignedDataBuilder.CreateDetached(new System.IO.MemoryStream(content), new SigningOptions { Key = key });
            var results = new bool[200];
            Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                var data = (byte[])content.Clone();
                if (i % 10 == 9)
                {
                    data[i % data.Length] ^= 1;
                }

                results[i] = SignedDataReader.ReadDetached(signature, new System.IO.MemoryStream(data)).Signers.Single().IsValid;
            });

            for (var i = 0; i < results.Length; i++)
            {
                Assert.Equal(i % 10 != 9, results[i]);
            }
        }
    }
}
