using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;
using BigInteger = System.Numerics.BigInteger;

namespace SmimeTools.Tests.Cms
{
    /// <summary>
    /// No decryption oracle (RFC 3218 §2.3.2, Bleichenbacher): an RSA-encrypted content key with bad PKCS#1 v1.5 padding fails
    /// exactly as a well-padded key that is not the content key does, in the reader and in the rewriter.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class KeyTransportRejectionTests
    {
        private readonly TestPkiFixture _fixture;

        public KeyTransportRejectionTests(TestPkiFixture fixture) => _fixture = fixture;

        /// <summary>What the encrypted key is replaced with.</summary>
        public enum Forgery
        {
            /// <summary>RSA of a block that is not PKCS#1 v1.5 type 2 (no zero byte after the padding).</summary>
            BadPadding,

            /// <summary>Valid padding around a random key of the right length: a wrong content key.</summary>
            WrongKey,

            /// <summary>Valid padding around 5 bytes: a key no content algorithm here takes.</summary>
            WrongLength,
        }

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc)]
        [InlineData(ContentEncryptionAlgorithm.Aes128Cbc)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm)]
        [InlineData(ContentEncryptionAlgorithm.TripleDesCbc)]
        public void BadPaddingFailsAsAWrongContentKeyDoes(ContentEncryptionAlgorithm algorithm)
        {
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var message = Message(key, algorithm, 5000);
            var errors = Enum.GetValues<Forgery>().Select(f => Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(Forge(message, key, f), key))).ToArray();

            Assert.All(errors, e => Assert.Equal(ErrorIds.DecryptionFailed, e.ErrorId));
            Assert.All(errors, e => Assert.Equal(errors[0].Message, e.Message));
            Assert.All(errors, e => Assert.Equal(errors[0].RecommendedAction, e.RecommendedAction));
            Assert.All(errors, e => Assert.Null(e.InnerException));
        }

        [Fact]
        public void TheStandInKeyIsTheSameEachTimeSoRepeatingAMessageTellsNothing()
        {
            // A fresh random key each time would let a sender who repeats a message see the CBC padding pass now and then.
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var forged = Forge(Message(key, ContentEncryptionAlgorithm.Aes256Cbc, 4096), key, Forgery.BadPadding);
            byte[] PlaintextWritten()
            {
                var output = new MemoryStream();
                Assert.ThrowsAny<SmimeException>(() => EnvelopedDataReader.Decrypt(new MemoryStream(forged), output, new IKeyDecryptor[] { key }));
                return output.ToArray();
            }

            var first = PlaintextWritten();
            Assert.True(first.Length >= 4000, $"Decryption went on through the content with the stand-in key ({first.Length} bytes written).");
            Assert.Equal(first, PlaintextWritten());
        }

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc)]
        [InlineData(ContentEncryptionAlgorithm.Aes128Gcm)]
        public void TheRewriterFailsAlikeAfterReadingTheWholeContent(ContentEncryptionAlgorithm algorithm)
        {
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var added = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            var message = Message(key, algorithm, 20_000);
            var options = new EncryptionOptions { Recipients = new[] { added.Certificate } };
            var errors = Enum.GetValues<Forgery>().Select(f =>
            {
                var input = new MemoryStream(Forge(message, key, f));
                var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedDataRewriter.AddRecipients(input, new MemoryStream(), new IKeyDecryptor[] { key }, options));
                Assert.Equal(input.Length, input.Position);
                return error;
            }).ToArray();

            Assert.All(errors, e => Assert.Equal(ErrorIds.DecryptionFailed, e.ErrorId));
            Assert.All(errors, e => Assert.Equal(errors[0].Message, e.Message));

            // The genuine key still adds the recipient, whose key then opens the message.
            var output = new MemoryStream();
            var result = EnvelopedDataRewriter.AddRecipients(new MemoryStream(message), output, new IKeyDecryptor[] { key }, options);
            Assert.True(result.ContentKeyConfirmed);
            Assert.Equal(2, EnvelopedTestSupport.Decrypt(output.ToArray(), added).Result.Recipients.Count);
        }

        [Fact]
        public void AKeyThatIsNotARecipientIsStillToldApartByTheRecipientIdentifier()
        {
            // Update-SmimeEncryption offers every key to every message: a key the message does not name is NoDecryptionKey, not DecryptionFailed.
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var other = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            var message = Message(key, ContentEncryptionAlgorithm.Aes256Cbc, 1000);
            var notMine = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(message, other));
            Assert.Equal(ErrorIds.NoDecryptionKey, notMine.ErrorId);
            var (plaintext, result) = EnvelopedTestSupport.Decrypt(message, other, key);
            Assert.Equal(1000, plaintext.Length);
            Assert.Same(key, result.Key);
        }

        [Fact]
        public void ReencryptionRefusesGarbageThatPassedThePaddingByChance()
        {
            // One wrong key in 256 passes the CBC padding; re-encrypting its garbage would replace the message with it.
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var added = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            var plaintext = "Content-Type: text/plain\r\n\r\nhello\r\n"u8.ToArray();
            var message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { key.Certificate }, KeyEncryption = KeyEncryptionAlgorithm.RsaPkcs1 });
            byte[]? lucky = null;
            for (int i = 0; i < 5000 && lucky == null; i++)
            {
                var forged = Forge(message, key, Forgery.WrongKey);
                try
                {
                    EnvelopedTestSupport.Decrypt(forged, key);
                    lucky = forged;
                }
                catch (SmimeException e) when (e.ErrorId == ErrorIds.DecryptionFailed)
                {
                    // The usual case: the padding did not pass.
                }
            }

            Assert.NotNull(lucky);
            var options = new EncryptionOptions { Recipients = new[] { added.Certificate } };
            var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedDataRewriter.Reencrypt(
                new MemoryStream(lucky), new MemoryStream(), new IKeyDecryptor[] { key }, options, default, start => SmimeTools.Engine.Messages.HeaderBlock.MayStart(start)));
            Assert.Equal(ErrorIds.DecryptionFailed, error.ErrorId);

            var output = new MemoryStream();
            EnvelopedDataRewriter.Reencrypt(new MemoryStream(message), output, new IKeyDecryptor[] { key }, options, default, start => SmimeTools.Engine.Messages.HeaderBlock.MayStart(start));
            Assert.Equal(plaintext, EnvelopedTestSupport.Decrypt(output.ToArray(), added).Plaintext);
        }

        internal static byte[] Message(IKeyDecryptor key, ContentEncryptionAlgorithm algorithm, int length) =>
            EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(length), new EncryptionOptions
            {
                Recipients = new[] { key.Certificate },
                ContentEncryption = algorithm,
                KeyEncryption = KeyEncryptionAlgorithm.RsaPkcs1,
            });

        /// <summary>The message with its (first) RSA-encrypted key replaced as <paramref name="forgery"/> says.</summary>
        internal static byte[] Forge(byte[] message, IKeyDecryptor key, Forgery forgery)
        {
            var contentInfo = ContentInfo.GetInstance(Asn1Object.FromByteArray(message));
            var infos = contentInfo.ContentType.Id == EnvelopingOids.AuthEnvelopedData
                ? AuthEnvelopedData.GetInstance(contentInfo.Content).RecipientInfos
                : EnvelopedData.GetInstance(contentInfo.Content).RecipientInfos;
            var encryptedKey = ((KeyTransRecipientInfo)RecipientInfo.GetInstance(infos[0]).Info).EncryptedKey.GetOctets();
            using var rsa = key.Certificate.GetRSAPublicKey()!;
            byte[] replacement = forgery switch
            {
                Forgery.BadPadding => RawRsa(rsa, BadlyPadded(rsa.KeySize / 8)),
                Forgery.WrongKey => rsa.Encrypt(RandomNumberGenerator.GetBytes(AlgorithmPolicy.KeySize(AlgorithmOf(contentInfo))), RSAEncryptionPadding.Pkcs1),
                _ => rsa.Encrypt(RandomNumberGenerator.GetBytes(5), RSAEncryptionPadding.Pkcs1),
            };
            var forged = (byte[])message.Clone();
            replacement.CopyTo(forged, EnvelopedTestSupport.IndexOf(message, encryptedKey));
            return forged;
        }

        /// <summary>00 02 and then nonzero bytes to the end: no separator, so not PKCS#1 v1.5.</summary>
        private static byte[] BadlyPadded(int length)
        {
            var block = new byte[length];
            block[1] = 2;
            for (int i = 2; i < length; i++)
            {
                block[i] = (byte)RandomNumberGenerator.GetInt32(1, 256);
            }

            return block;
        }

        /// <summary>Textbook RSA with the public key, which .NET does not offer: m^e mod n, big-endian, modulus length.</summary>
        private static byte[] RawRsa(RSA rsa, byte[] block)
        {
            var parameters = rsa.ExportParameters(false);
            var n = new BigInteger(parameters.Modulus, isUnsigned: true, isBigEndian: true);
            var e = new BigInteger(parameters.Exponent, isUnsigned: true, isBigEndian: true);
            var c = BigInteger.ModPow(new BigInteger(block, isUnsigned: true, isBigEndian: true), e, n).ToByteArray(isUnsigned: true, isBigEndian: true);
            var output = new byte[parameters.Modulus!.Length];
            c.CopyTo(output, output.Length - c.Length);
            return output;
        }

        private static ContentEncryptionAlgorithm AlgorithmOf(ContentInfo contentInfo)
        {
            var identifier = contentInfo.ContentType.Id == EnvelopingOids.AuthEnvelopedData
                ? AuthEnvelopedData.GetInstance(contentInfo.Content).AuthEncryptedContentInfo.ContentEncryptionAlgorithm
                : EnvelopedData.GetInstance(contentInfo.Content).EncryptedContentInfo.ContentEncryptionAlgorithm;
            return ContentCipherAlgorithm.Parse(identifier).Algorithm;
        }
    }
}
