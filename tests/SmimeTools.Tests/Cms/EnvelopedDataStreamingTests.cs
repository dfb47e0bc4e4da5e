using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Interop;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Cms
{
    /// <summary>
    /// How <see cref="EnvelopedDataReader"/> walks BER: encrypted content in nested constructed segments, openssl's
    /// indefinite-length output, truncation, elements where they do not belong, and how far <see cref="EnvelopedDataReader.Open"/> reads.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnvelopedDataStreamingTests : IDisposable
    {
        private static readonly DerObjectIdentifier LabelOid = new("1.2.3.4.5");

        private readonly TestPkiFixture _fixture;
        private readonly string _folder = EnvelopingInterop.NewFolder("openssl-stream");

        public EnvelopedDataStreamingTests(TestPkiFixture fixture) => _fixture = fixture;

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm)]
        public void EncryptedContentInNestedConstructedSegmentsDecrypts(ContentEncryptionAlgorithm algorithm)
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var plaintext = RandomNumberGenerator.GetBytes(70_000);
            var parts = Parts.Of(EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = algorithm }));
            byte[] message = parts.Rebuild(Nested(parts.Ciphertext), parts.Authenticated ? new[] { parts.Mac! } : new[] { UnprotectedLabel() });

            var (decrypted, result) = EnvelopedTestSupport.Decrypt(message, rsa);

            Assert.Equal(plaintext, decrypted);
            Assert.Equal(plaintext.Length, result.ContentLength);
            Assert.Equal(parts.Authenticated, result.IsAuthenticated);
            Assert.Equal(parts.Authenticated ? 0 : 1, result.UnprotectedAttributes.Count);
        }

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc)]
        [InlineData(ContentEncryptionAlgorithm.Aes128Gcm)]
        public void ANestedSegmentedMessageCutAtAnyByteGivesMalformedMessage(ContentEncryptionAlgorithm algorithm)
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var parts = Parts.Of(EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(600), new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = algorithm }));
            byte[] message = parts.Rebuild(Nested(parts.Ciphertext), parts.Authenticated ? new[] { parts.Mac! } : new[] { UnprotectedLabel() });
            Assert.Equal(600, EnvelopedTestSupport.Decrypt(message, rsa).Result.ContentLength);

            for (int keep = 0; keep < message.Length; keep++)
            {
                var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(message[..keep], rsa));
                Assert.True(error.ErrorId == ErrorIds.MalformedMessage, $"Keeping {keep} of {message.Length} bytes gave {error.ErrorId}: {error.Message}");
            }
        }

        [SkippableTheory]
        [InlineData("-aes-256-cbc", "rsa2048")]
        [InlineData("-aes-256-gcm", "p256")]
        public void AnOpenSslStreamedMessageDecryptsAndCutAnywhereGivesMalformedMessage(string cipher, string user)
        {
            ExternalTool.Require("openssl");
            var plaintext = RandomNumberGenerator.GetBytes(20_000);
            string plain = Path.Combine(_folder, "plain.bin");
            string output = Path.Combine(_folder, "message.p7m");
            File.WriteAllBytes(plain, plaintext);
            var (exitCode, _, stderr) = ExternalTool.Run("openssl", new[]
            {
                "cms", "-encrypt", "-binary", "-stream", "-in", plain, "-outform", "DER", "-out", output, cipher, _fixture.Pki.Users[user].CertificatePath,
            });
            Assert.True(exitCode == 0, $"openssl cms -encrypt failed ({exitCode}): {stderr}");
            byte[] message = File.ReadAllBytes(output);

            // Indefinite lengths throughout, and the content in 4 KiB segments: [0] 80, then OCTET STRING 82 10 00.
            Assert.Equal(0x80, message[1]);
            int segments = EnvelopedTestSupport.IndexOf(message, new byte[] { 0xA0, 0x80, 0x04, 0x82, 0x10, 0x00 }) + 2;
            Assert.Equal(0x04, message[segments + 4 + 4096]);

            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, user);
            var (decrypted, result) = EnvelopedTestSupport.Decrypt(message, key);
            Assert.Equal(plaintext, decrypted);
            Assert.Equal(cipher.EndsWith("gcm", StringComparison.Ordinal), result.IsAuthenticated);

            var cuts = new[] { 1, 2, 30, segments - 1, segments, segments + 1, segments + 3, segments + 4, segments + 2000, segments + 4100, segments + 4100 + 2, message.Length / 2 }
                .Concat(Enumerable.Range(message.Length - 40, 40));
            foreach (int keep in cuts)
            {
                var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(message[..keep], key));
                Assert.True(error.ErrorId == ErrorIds.MalformedMessage, $"Keeping {keep} of {message.Length} bytes gave {error.ErrorId}: {error.Message}");
            }
        }

        [Fact]
        public void ElementsAfterTheContentOutOfPlaceGiveMalformedMessage()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var enveloped = Parts.Of(EnvelopedTestSupport.Encrypt(new byte[100], new EncryptionOptions { Recipients = new[] { rsa.Certificate } }));
            var authenticated = Parts.Of(EnvelopedTestSupport.Encrypt(new byte[100], new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = ContentEncryptionAlgorithm.Aes256Gcm }));
            byte[] garbage = DerInteger.ValueOf(7).GetEncoded();
            byte[] unauthenticated = Ber.Definite(0xA2, LabelAttribute());

            // The well-formed versions of the same pieces decrypt: only the placement is wrong below.
            Assert.Single(EnvelopedTestSupport.Decrypt(enveloped.Rebuild(Ber.Definite(0x80, enveloped.Ciphertext), UnprotectedLabel()), rsa).Result.UnprotectedAttributes);
            Assert.Single(EnvelopedTestSupport.Decrypt(authenticated.Rebuild(Ber.Definite(0x80, authenticated.Ciphertext), authenticated.Mac!, unauthenticated), rsa).Result.UnauthenticatedAttributes);

            var misplaced = new[]
            {
                enveloped.Rebuild(Ber.Definite(0x80, enveloped.Ciphertext), garbage),
                enveloped.Rebuild(Ber.Definite(0x80, enveloped.Ciphertext), UnprotectedLabel(), garbage),
                enveloped.Rebuild(Ber.Definite(0x80, enveloped.Ciphertext), UnprotectedLabel(), UnprotectedLabel()),
                authenticated.Rebuild(Ber.Definite(0x80, authenticated.Ciphertext)),
                authenticated.Rebuild(Ber.Definite(0x80, authenticated.Ciphertext), unauthenticated, authenticated.Mac!),
                authenticated.Rebuild(Ber.Definite(0x80, authenticated.Ciphertext), authenticated.Mac!, unauthenticated, garbage),
                authenticated.Rebuild(Ber.Definite(0x80, authenticated.Ciphertext), authenticated.Mac!, authenticated.Mac!),
            };
            foreach (var message in misplaced)
            {
                var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(message, rsa));
                Assert.Equal(ErrorIds.MalformedMessage, error.ErrorId);
            }
        }

        [Fact]
        public void BytesAfterTheContentInfoAreLeftUnread()
        {
            // As for SignedData: the message ends where its ContentInfo closes (a base64 body may carry padding after it).
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var plaintext = RandomNumberGenerator.GetBytes(3000);
            byte[] message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { rsa.Certificate } });

            Assert.Equal(plaintext, EnvelopedTestSupport.Decrypt(message.Concat(new byte[] { 0, 0, 0x30, 0x05, 1 }).ToArray(), rsa).Plaintext);
        }

        [Fact]
        public void DetachedContentListsRecipientsAndIsUnsupportedOnlyOnceAKeyMatches()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            var parts = Parts.Of(EnvelopedTestSupport.Encrypt(new byte[100], new EncryptionOptions { Recipients = new[] { rsa.Certificate } }));
            byte[] message = parts.Rebuild(null);

            Assert.Single(EnvelopedDataReader.ReadRecipients(new MemoryStream(message)));
            var reader = EnvelopedDataReader.Open(new MemoryStream(message));
            Assert.Throws<DecryptionKeyNotFoundException>(() => reader.Decrypt(new IKeyDecryptor[] { p256 }, new MemoryStream()));
            var error = Assert.ThrowsAny<SmimeException>(() => reader.Decrypt(new IKeyDecryptor[] { rsa }, new MemoryStream()));
            Assert.Equal(ErrorIds.UnsupportedAlgorithm, error.ErrorId);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void OpenReadsNothingOfTheEncryptedContent(bool segmented)
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var plaintext = RandomNumberGenerator.GetBytes(200_000);
            byte[] message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { rsa.Certificate } });
            var parts = Parts.Of(message);
            if (segmented)
            {
                message = parts.Rebuild(Nested(parts.Ciphertext));
            }

            // Any read of a ciphertext byte fails like a broken disk.
            int firstCiphertextByte = EnvelopedTestSupport.IndexOf(message, parts.Ciphertext[..7]);
            var input = new ReadLimitStream(new MemoryStream(message), firstCiphertextByte);
            var reader = EnvelopedDataReader.Open(input);
            Assert.Single(reader.Recipients);
            Assert.True(input.Consumed <= firstCiphertextByte);

            // The refusal to read is the stream's own error, not a malformed message.
            var error = Assert.Throws<IOException>(() => reader.Decrypt(new IKeyDecryptor[] { rsa }, new MemoryStream()));
            Assert.Equal(ReadLimitStream.Text, error.Message);

            input = new ReadLimitStream(new MemoryStream(message), 40);
            Assert.Throws<IOException>(() => EnvelopedDataReader.Open(input));
        }

        [Fact]
        public void CancellingWhileTheContentStreamsStopsTheDecryption()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            byte[] message = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(1_000_000), new EncryptionOptions { Recipients = new[] { rsa.Certificate } });
            using var cancel = new CancellationTokenSource();
            var output = new CancellingStream(cancel);

            Assert.ThrowsAny<OperationCanceledException>(() => EnvelopedDataReader.Decrypt(new MemoryStream(message), output, new IKeyDecryptor[] { rsa }, cancel.Token));
            Assert.InRange(output.Length, 1, 500_000);
        }

        public void Dispose() => EnvelopingInterop.DeleteFolder(_folder);

        /// <summary>
        /// The ciphertext as an indefinite [0] of: a primitive segment, a definite constructed segment holding a primitive,
        /// an empty and an indefinite constructed one, and a last primitive segment.
        /// </summary>
        private static byte[] Nested(byte[] c)
        {
            int half = c.Length / 2;
            return Ber.Indefinite(
                0xA0,
                Ber.Definite(0x04, c[..7]),
                Ber.Definite(0x24, Ber.Definite(0x04, c[7..100]), Ber.Definite(0x04), Ber.Indefinite(0x24, Ber.Definite(0x04, c[100..101]), Ber.Definite(0x04, c[101..half]))),
                Ber.Definite(0x04, c[half..]));
        }

        private static byte[] LabelAttribute() =>
            new Org.BouncyCastle.Asn1.Cms.Attribute(LabelOid, new DerSet(new DerUtf8String("label"))).GetEncoded(Asn1Encodable.Der);

        private static byte[] UnprotectedLabel() => Ber.Definite(0xA1, LabelAttribute());

        /// <summary>The pieces of a message our writer made, to put together again in other BER shapes.</summary>
        private sealed class Parts
        {
            private byte[] _head = Array.Empty<byte>();
            private byte[] _contentType = Array.Empty<byte>();
            private byte[] _algorithm = Array.Empty<byte>();

            public bool Authenticated { get; private set; }

            public byte[] Ciphertext { get; private set; } = Array.Empty<byte>();

            public byte[]? Mac { get; private set; }

            public static Parts Of(byte[] message)
            {
                var contentInfo = ContentInfo.GetInstance(Asn1Object.FromByteArray(message));
                var parts = new Parts { Authenticated = contentInfo.ContentType.Id == EnvelopingOids.AuthEnvelopedData };
                EncryptedContentInfo info;
                if (parts.Authenticated)
                {
                    var auth = AuthEnvelopedData.GetInstance(contentInfo.Content);
                    parts._head = auth.Version.GetEncoded(Asn1Encodable.Der).Concat(auth.RecipientInfos.GetEncoded(Asn1Encodable.Der)).ToArray();
                    parts.Mac = auth.Mac.GetEncoded(Asn1Encodable.Der);
                    info = auth.AuthEncryptedContentInfo;
                }
                else
                {
                    var enveloped = EnvelopedData.GetInstance(contentInfo.Content);
                    parts._head = enveloped.Version.GetEncoded(Asn1Encodable.Der).Concat(enveloped.RecipientInfos.GetEncoded(Asn1Encodable.Der)).ToArray();
                    info = enveloped.EncryptedContentInfo;
                }

                parts._contentType = info.ContentType.GetEncoded(Asn1Encodable.Der);
                parts._algorithm = info.ContentEncryptionAlgorithm.GetEncoded(Asn1Encodable.Der);
                parts.Ciphertext = info.EncryptedContent.GetOctets();
                return parts;
            }

            /// <summary>An indefinite ContentInfo and [0] around a definite envelope whose encrypted content info is indefinite.</summary>
            public byte[] Rebuild(byte[]? content, params byte[][] tail)
            {
                var encryptedContentInfo = content == null
                    ? Ber.Indefinite(0x30, _contentType, _algorithm)
                    : Ber.Indefinite(0x30, _contentType, _algorithm, content);
                var envelope = Ber.Definite(0x30, new[] { _head, encryptedContentInfo }.Concat(tail).ToArray());
                var type = new DerObjectIdentifier(Authenticated ? EnvelopingOids.AuthEnvelopedData : EnvelopingOids.EnvelopedData).GetEncoded();
                return Ber.Indefinite(0x30, type, Ber.Indefinite(0xA0, envelope));
            }
        }

        /// <summary>Hand-made BER: definite and indefinite lengths, as the tests above need them.</summary>
        private static class Ber
        {
            public static byte[] Definite(byte tag, params byte[][] contents)
            {
                var body = contents.SelectMany(c => c).ToArray();
                var length = new List<byte>();
                if (body.Length < 0x80)
                {
                    length.Add((byte)body.Length);
                }
                else
                {
                    for (int n = body.Length; n > 0; n >>= 8)
                    {
                        length.Insert(0, (byte)n);
                    }

                    length.Insert(0, (byte)(0x80 | length.Count));
                }

                return new[] { tag }.Concat(length).Concat(body).ToArray();
            }

            public static byte[] Indefinite(byte tag, params byte[][] contents) =>
                new[] { tag, (byte)0x80 }.Concat(contents.SelectMany(c => c)).Concat(new byte[] { 0, 0 }).ToArray();
        }

        /// <summary>Reads like its inner stream up to a byte limit, then fails like a broken disk; counts what it gave.</summary>
        private sealed class ReadLimitStream : ForwardOnlyStream
        {
            public const string Text = "Read past the limit.";
            private readonly long _limit;

            public ReadLimitStream(Stream inner, long limit)
                : base(inner) => _limit = limit;

            public long Consumed { get; private set; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (Consumed >= _limit && count > 0)
                {
                    throw new IOException(Text);
                }

                int n = base.Read(buffer, offset, (int)Math.Min(count, _limit - Consumed));
                Consumed += n;
                return n;
            }
        }

        /// <summary>A sink that cancels its token on the first write, as Ctrl+C during a long decryption would.</summary>
        private sealed class CancellingStream : MemoryStream
        {
            private readonly CancellationTokenSource _cancel;

            public CancellingStream(CancellationTokenSource cancel) => _cancel = cancel;

            public override void Write(byte[] buffer, int offset, int count)
            {
                base.Write(buffer, offset, count);
                _cancel.Cancel();
            }
        }
    }
}
