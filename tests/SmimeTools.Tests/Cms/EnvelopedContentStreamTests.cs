using System;
using System.IO;
using System.Security.Cryptography;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Cms
{
    /// <summary>
    /// The plaintext stream of <see cref="EnvelopedDataWriter.Open"/>: however the plaintext is written (small and large
    /// pieces, arrays and spans, across chunk edges), the message decrypts to it; left unfinished, it does not parse.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnvelopedContentStreamTests
    {
        private readonly TestPkiFixture _fixture;

        public EnvelopedContentStreamTests(TestPkiFixture fixture) => _fixture = fixture;

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, 0)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, 1)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, EnvelopedDataWriter.ChunkSize)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, 5 * EnvelopedDataWriter.ChunkSize + 17)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm, 3 * EnvelopedDataWriter.ChunkSize - 1)]
        [InlineData(ContentEncryptionAlgorithm.ChaCha20Poly1305, 2 * EnvelopedDataWriter.ChunkSize + 100)]
        public void UnevenWritesDecryptToThePlaintext(ContentEncryptionAlgorithm algorithm, int length)
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var plaintext = RandomNumberGenerator.GetBytes(length);
            var message = new MemoryStream();
            using (var content = EnvelopedDataWriter.Open(message, new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = algorithm }))
            {
                // Pieces from 1 byte to several chunks, alternately as arrays (the direct path) and as spans.
                var at = 0;
                var step = 1;
                var asArray = true;
                while (at < plaintext.Length)
                {
                    var n = Math.Min(step, plaintext.Length - at);
                    if (asArray)
                    {
                        content.Write(plaintext, at, n);
                    }
                    else
                    {
                        content.Write(plaintext.AsSpan(at, n));
                    }

                    content.Flush();
                    at += n;
                    step = step * 5 + 3;
                    asArray = !asArray;
                }

                content.Finish();
            }

            var (decrypted, result) = EnvelopedTestSupport.Decrypt(message.ToArray(), rsa);

            Assert.Equal(plaintext, decrypted);
            Assert.Equal(length, result.ContentLength);
        }

        [Fact]
        public void DisposedWithoutFinishTheMessageIsMalformed()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var message = new MemoryStream();
            using (var content = EnvelopedDataWriter.Open(message, new EncryptionOptions { Recipients = new[] { rsa.Certificate } }))
            {
                content.Write(RandomNumberGenerator.GetBytes(EnvelopedDataWriter.ChunkSize + 5));
            }

            var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(message.ToArray(), rsa));
            Assert.Equal(ErrorIds.MalformedMessage, error.ErrorId);
        }

        [Fact]
        public void NoRecipientsIsReportedBeforeAnythingIsWritten()
        {
            var message = new MemoryStream();
            var error = Assert.Throws<SmimeException>(() => EnvelopedDataWriter.Open(message, new EncryptionOptions()));
            Assert.Equal(ErrorIds.NoMatchingCertificate, error.ErrorId);
            Assert.Equal(0, message.Length);
        }
    }
}
