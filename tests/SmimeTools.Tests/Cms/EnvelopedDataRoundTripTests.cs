using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;
using Pki = global::SmimeTools.TestPki.TestPki;

namespace SmimeTools.Tests.Cms
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnvelopedDataRoundTripTests
    {
        private readonly TestPkiFixture _fixture;

        public EnvelopedDataRoundTripTests(TestPkiFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> AlgorithmsAndRecipients()
        {
            var algorithms = Enum.GetValues<ContentEncryptionAlgorithm>();
            var recipients = new (string User, KeyEncryptionAlgorithm KeyEncryption)[]
            {
                ("rsa2048", KeyEncryptionAlgorithm.RsaPkcs1),
                ("rsa2048", KeyEncryptionAlgorithm.RsaOaepSha256),
                ("rsa3072", KeyEncryptionAlgorithm.RsaPkcs1),
                ("rsa3072", KeyEncryptionAlgorithm.RsaOaepSha256),
                ("p256", KeyEncryptionAlgorithm.RsaPkcs1),
                ("p384", KeyEncryptionAlgorithm.RsaPkcs1),
                ("p521", KeyEncryptionAlgorithm.RsaPkcs1),
                ("x25519", KeyEncryptionAlgorithm.RsaPkcs1),
            };
            foreach (var algorithm in algorithms)
            {
                foreach (var (user, keyEncryption) in recipients)
                {
                    yield return new object[] { algorithm, user, keyEncryption };
                }
            }
        }

        [Theory]
        [MemberData(nameof(AlgorithmsAndRecipients))]
        public void EveryAlgorithmRoundTripsForEveryRecipientKind(ContentEncryptionAlgorithm algorithm, string user, KeyEncryptionAlgorithm keyEncryption)
        {
            var plaintext = RandomNumberGenerator.GetBytes(100_000);
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, user);
            var options = new EncryptionOptions { Recipients = new[] { key.Certificate }, ContentEncryption = algorithm, KeyEncryption = keyEncryption };
            if (algorithm == ContentEncryptionAlgorithm.DesCbc && key.Algorithm != KeyAlgorithmKind.Rsa)
            {
                // A 64-bit key cannot be AES-key-wrapped (RFC 3394 needs two blocks): refused before anything is written.
                var output = new MemoryStream();
                var refused = Assert.ThrowsAny<SmimeException>(() => EnvelopedDataWriter.Write(new MemoryStream(plaintext), output, options));
                Assert.Equal(ErrorIds.UnsupportedAlgorithm, refused.ErrorId);
                Assert.Equal(0, output.Length);
                return;
            }

            var message = EnvelopedTestSupport.Encrypt(plaintext, options);
            var (decrypted, result) = EnvelopedTestSupport.Decrypt(message, key);

            Assert.Equal(plaintext, decrypted);
            Assert.Equal(algorithm, result.ContentAlgorithm);
            Assert.Equal(AlgorithmPolicy.IsAuthenticated(algorithm), result.IsAuthenticated);
            Assert.Equal(AlgorithmPolicy.IsWeak(algorithm), result.IsWeak);
            Assert.Same(key, result.Key);
            Assert.Equal(EnvelopingOids.Data, result.ContentType);
            Assert.Equal(plaintext.Length, result.ContentLength);
            var recipient = Assert.Single(result.Recipients);
            Assert.Equal(recipient, result.OpenedBy);
            Assert.Equal(key.Algorithm == KeyAlgorithmKind.Rsa ? RecipientKind.KeyTransport : RecipientKind.KeyAgreement, recipient.Kind);
            Assert.Equal(key.Certificate.SerialNumber, recipient.SerialNumber);
            Assert.Equal(key.Certificate.Issuer, recipient.Issuer);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(15)]
        [InlineData(16)]
        [InlineData(17)]
        [InlineData(49)] // ChaCha20-Poly1305 holds back a 64-byte block and a tag: these lengths overran the last output buffer (found by the fuzzer)
        [InlineData(73)]
        [InlineData(127)]
        [InlineData(65_535)]
        [InlineData(65_536)]
        [InlineData(65_537)]
        [InlineData(200_003)]
        public void ContentOfEveryLengthRoundTrips(int length)
        {
            var plaintext = RandomNumberGenerator.GetBytes(length);
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            foreach (var algorithm in new[] { ContentEncryptionAlgorithm.Aes256Cbc, ContentEncryptionAlgorithm.Aes128Gcm, ContentEncryptionAlgorithm.ChaCha20Poly1305, ContentEncryptionAlgorithm.TripleDesCbc })
            {
                var message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = algorithm });
                Assert.Equal(plaintext, EnvelopedTestSupport.Decrypt(message, rsa).Plaintext);
            }
        }

        [Fact]
        public void GcmIsAuthEnvelopedDataWithTwelveByteNonceAndSixteenByteTag()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var message = EnvelopedTestSupport.Encrypt(new byte[100], new EncryptionOptions
            {
                Recipients = new[] { rsa.Certificate },
                ContentEncryption = ContentEncryptionAlgorithm.Aes256Gcm,
            });

            var contentInfo = ContentInfo.GetInstance(Asn1Object.FromByteArray(message));
            Assert.Equal(EnvelopingOids.AuthEnvelopedData, contentInfo.ContentType.Id);
            var auth = AuthEnvelopedData.GetInstance(contentInfo.Content);
            Assert.True(auth.Version.HasValue(0));
            Assert.Null(auth.AuthAttrs);
            Assert.Equal(16, auth.Mac.GetOctets().Length);
            var algorithm = auth.AuthEncryptedContentInfo.ContentEncryptionAlgorithm;
            Assert.Equal(EnvelopingOids.Aes256Gcm, algorithm.Algorithm.Id);
            var gcm = GcmParameters.GetInstance(algorithm.Parameters);
            Assert.Equal(12, gcm.GetNonce().Length);
            Assert.Equal(16, gcm.IcvLen);
        }

        [Fact]
        public void VersionsAndKeyEncryptionParametersFollowRfc5652()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");

            var rsaOnly = EnvelopedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(EnvelopedTestSupport.Encrypt(
                new byte[10], new EncryptionOptions { Recipients = new[] { rsa.Certificate }, KeyEncryption = KeyEncryptionAlgorithm.RsaOaepSha256 }))).Content);
            Assert.True(rsaOnly.Version.HasValue(0));
            var ktri = KeyTransRecipientInfo.GetInstance(RecipientInfo.GetInstance(rsaOnly.RecipientInfos[0]).Info);
            Assert.Equal(EnvelopingOids.RsaesOaep, ktri.KeyEncryptionAlgorithm.Algorithm.Id);
            var oaep = Org.BouncyCastle.Asn1.Pkcs.RsaesOaepParameters.GetInstance(ktri.KeyEncryptionAlgorithm.Parameters);
            Assert.Equal(EnvelopingOids.Sha256, oaep.HashAlgorithm.Algorithm.Id);
            Assert.Equal(EnvelopingOids.Mgf1, oaep.MaskGenAlgorithm.Algorithm.Id);
            Assert.Equal(EnvelopingOids.Sha256, Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier.GetInstance(oaep.MaskGenAlgorithm.Parameters).Algorithm.Id);

            var withEc = EnvelopedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(EnvelopedTestSupport.Encrypt(
                new byte[10], new EncryptionOptions { Recipients = new[] { rsa.Certificate, p256.Certificate }, ContentEncryption = ContentEncryptionAlgorithm.Aes128Cbc }))).Content);
            Assert.True(withEc.Version.HasValue(2));
            var kari = withEc.RecipientInfos.Cast<Asn1Encodable>().Select(r => RecipientInfo.GetInstance(r).Info).OfType<KeyAgreeRecipientInfo>().Single();
            Assert.Equal(EnvelopingOids.StdDhSha256Kdf, kari.KeyEncryptionAlgorithm.Algorithm.Id);
            Assert.Equal(EnvelopingOids.Aes128Wrap, Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier.GetInstance(kari.KeyEncryptionAlgorithm.Parameters).Algorithm.Id);
            Assert.Null(kari.UserKeyingMaterial);
        }

        [Fact]
        public void EveryRecipientOfAMultiRecipientMessageCanOpenIt()
        {
            var names = new[] { "rsa2048", "rsa3072", "p256", "p384", "p521", "x25519" };
            var keys = names.Select(n => EnvelopedTestSupport.KeyOf(_fixture.Pki, n)).ToArray();
            try
            {
                var plaintext = RandomNumberGenerator.GetBytes(5000);
                var message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions
                {
                    Recipients = keys.Select(k => k.Certificate).ToArray(),
                    ContentEncryption = ContentEncryptionAlgorithm.Aes256Gcm,
                    KeyEncryption = KeyEncryptionAlgorithm.RsaOaepSha256,
                });

                Assert.Equal(names.Length, EnvelopedDataReader.ReadRecipients(new MemoryStream(message)).Count);
                foreach (var key in keys)
                {
                    var (decrypted, result) = EnvelopedTestSupport.Decrypt(message, key);
                    Assert.Equal(plaintext, decrypted);
                    Assert.Equal(key.Certificate.SerialNumber, result.OpenedBy.SerialNumber);
                    Assert.Equal(names.Length, result.Recipients.Count);
                }
            }
            finally
            {
                foreach (var key in keys)
                {
                    key.Dispose();
                }
            }
        }

        [Fact]
        public void RecipientsNamedBySubjectKeyIdentifierCanOpenIt()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p384 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p384");
            var plaintext = RandomNumberGenerator.GetBytes(1000);
            var message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions
            {
                Recipients = new[] { rsa.Certificate, p384.Certificate },
                UseSubjectKeyIdentifier = true,
            });

            foreach (var key in new[] { rsa, p384 })
            {
                var (decrypted, result) = EnvelopedTestSupport.Decrypt(message, key);
                Assert.Equal(plaintext, decrypted);
                Assert.Null(result.OpenedBy.Issuer);
                var ski = key.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifier;
                Assert.Equal(ski, result.OpenedBy.SubjectKeyIdentifier);
            }
        }

        [Fact]
        public void WrongKeysGiveNoDecryptionKeyNamingEveryRecipientAndEveryKeyTried()
        {
            using var rsa2048 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            using var rsa3072 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            using var p384 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p384");
            var message = EnvelopedTestSupport.Encrypt(new byte[10], new EncryptionOptions { Recipients = new[] { rsa2048.Certificate, p256.Certificate } });

            var output = new MemoryStream();
            var error = Assert.Throws<DecryptionKeyNotFoundException>(() =>
                EnvelopedDataReader.Decrypt(new MemoryStream(message), output, new IKeyDecryptor[] { rsa3072, p384 }));
            Assert.Equal(ErrorIds.NoDecryptionKey, error.ErrorId);
            Assert.Equal(0, output.Length);
            Assert.Equal(2, error.Recipients.Count);
            foreach (var recipient in new[] { rsa2048, p256 })
            {
                Assert.Contains(error.Recipients, r => r.SerialNumber == recipient.Certificate.SerialNumber && r.Issuer == recipient.Certificate.Issuer);
                Assert.Contains(recipient.Certificate.SerialNumber, error.Message, StringComparison.Ordinal);
            }

            Assert.Contains(recipientIssuer(rsa2048), error.Message, StringComparison.Ordinal);
            Assert.Equal(2, error.TriedCertificates.Count);
            Assert.Contains(rsa3072.Certificate.Subject, error.Message, StringComparison.Ordinal);
            Assert.Contains(p384.Certificate.Subject, error.Message, StringComparison.Ordinal);

            var none = Assert.Throws<DecryptionKeyNotFoundException>(() =>
                EnvelopedDataReader.Decrypt(new MemoryStream(message), new MemoryStream(), Array.Empty<IKeyDecryptor>()));
            Assert.Equal(ErrorIds.NoDecryptionKey, none.ErrorId);

            static string recipientIssuer(PrivateKey key) => key.Certificate.Issuer;
        }

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, 1000)]
        [InlineData(ContentEncryptionAlgorithm.Aes128Cbc, 1007)]
        [InlineData(ContentEncryptionAlgorithm.TripleDesCbc, 1003)]
        public void TamperedCbcPaddingGivesDecryptionFailed(ContentEncryptionAlgorithm algorithm, int length)
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var plaintext = RandomNumberGenerator.GetBytes(length);
            var message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = algorithm });

            // XOR the padding byte into the previous ciphertext block: the last plaintext byte (the padding length) becomes 0.
            int block = algorithm == ContentEncryptionAlgorithm.TripleDesCbc ? 8 : 16;
            int padding = block - (length % block);
            var ciphertext = EnvelopedTestSupport.EncryptedContentOf(message);
            int end = EnvelopedTestSupport.IndexOf(message, ciphertext[^32..]) + 32;
            message[end - block - 1] ^= (byte)padding;

            var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(message, rsa));
            Assert.Equal(ErrorIds.DecryptionFailed, error.ErrorId);
        }

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes128Gcm, false)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm, false)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm, true)]
        [InlineData(ContentEncryptionAlgorithm.ChaCha20Poly1305, false)]
        public void TamperedAuthenticatedContentOrTagGivesDecryptionFailed(ContentEncryptionAlgorithm algorithm, bool tamperTag)
        {
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            var plaintext = RandomNumberGenerator.GetBytes(70_000);
            var message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { p256.Certificate }, ContentEncryption = algorithm });
            if (tamperTag)
            {
                var auth = AuthEnvelopedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(message)).Content);
                message[EnvelopedTestSupport.IndexOf(message, auth.Mac.GetOctets()) + 5] ^= 0x01;
            }
            else
            {
                var ciphertext = EnvelopedTestSupport.EncryptedContentOf(message);
                message[EnvelopedTestSupport.IndexOf(message, ciphertext[^32..]) + 3] ^= 0x80;
            }

            var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(message, p256));
            Assert.Equal(ErrorIds.DecryptionFailed, error.ErrorId);
        }

        [Theory]
        [InlineData("rsa2048")]
        [InlineData("p256")]
        [InlineData("x25519")]
        public void TamperedEncryptedKeyGivesDecryptionFailed(string user)
        {
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, user);
            var message = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(3000), new EncryptionOptions { Recipients = new[] { key.Certificate } });
            var info = RecipientInfo.GetInstance(EnvelopedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(message)).Content).RecipientInfos[0]).Info;
            byte[] encryptedKey = info is KeyTransRecipientInfo ktri
                ? ktri.EncryptedKey.GetOctets()
                : RecipientEncryptedKey.GetInstance(((KeyAgreeRecipientInfo)info).RecipientEncryptedKeys[0]).EncryptedKey.GetOctets();
            message[EnvelopedTestSupport.IndexOf(message, encryptedKey) + 7] ^= 0x10;

            var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(message, key));
            Assert.Equal(ErrorIds.DecryptionFailed, error.ErrorId);
        }

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc)]
        [InlineData(ContentEncryptionAlgorithm.Aes128Gcm)]
        public void TruncatedMessagesGiveMalformedMessage(ContentEncryptionAlgorithm algorithm)
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var message = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(150_000), new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = algorithm });
            foreach (int keep in new[] { 0, 1, 10, 100, 400, message.Length / 2, message.Length - 40 }.Concat(Enumerable.Range(message.Length - 24, 24)))
            {
                var output = new MemoryStream();
                var error = Assert.ThrowsAny<SmimeException>(() =>
                    EnvelopedDataReader.Decrypt(new MemoryStream(message, 0, keep), output, new IKeyDecryptor[] { rsa }));
                Assert.True(error.ErrorId == ErrorIds.MalformedMessage, $"Keeping {keep} of {message.Length} bytes gave {error.ErrorId}: {error.Message}");
            }
        }

        [Fact]
        public void NotEncryptedDataGivesMalformedMessage()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            foreach (var data in new[] { new byte[] { 1, 2, 3 }, new DerSequence(new DerObjectIdentifier("1.2.840.113549.1.7.2")).GetEncoded(), "hello world"u8.ToArray() })
            {
                var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedDataReader.Decrypt(new MemoryStream(data), new MemoryStream(), new IKeyDecryptor[] { rsa }));
                Assert.Equal(ErrorIds.MalformedMessage, error.ErrorId);
            }
        }

        [Fact]
        public void UnknownContentAlgorithmGivesUnsupportedAlgorithmButStillListsRecipients()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var message = EnvelopedTestSupport.Encrypt(new byte[100], new EncryptionOptions { Recipients = new[] { rsa.Certificate } });

            // AES-256-CBC (…4.1.42) becomes AES-256-OFB (…4.1.43): same length, an algorithm S/MIME does not use.
            var oid = new DerObjectIdentifier(EnvelopingOids.Aes256Cbc).GetEncoded();
            message[EnvelopedTestSupport.IndexOf(message, oid) + oid.Length - 1] = 43;

            var reader = EnvelopedDataReader.Open(new MemoryStream(message));
            Assert.Null(reader.ContentEncryptionAlgorithm);
            Assert.Equal("2.16.840.1.101.3.4.1.43", reader.ContentEncryptionAlgorithmOid);
            Assert.Single(reader.Recipients);
            var error = Assert.ThrowsAny<SmimeException>(() => reader.Decrypt(new IKeyDecryptor[] { rsa }, new MemoryStream()));
            Assert.Equal(ErrorIds.UnsupportedAlgorithm, error.ErrorId);
        }

        [Fact]
        public void ReadErrorsOfTheInputAreNotMistakenForMalformedData()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var message = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(200_000), new EncryptionOptions { Recipients = new[] { rsa.Certificate } });
            var failing = new FailingStream(new MemoryStream(message), failAfter: 100_000);
            var error = Assert.Throws<IOException>(() => EnvelopedDataReader.Decrypt(failing, new MemoryStream(), new IKeyDecryptor[] { rsa }));
            Assert.Equal(FailingStream.Text, error.Message);
        }

        [Fact]
        public void TheSameReaderCanTryOtherKeysAfterNoDecryptionKey()
        {
            using var rsa2048 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p384 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p384");
            var plaintext = RandomNumberGenerator.GetBytes(3000);
            var message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { p384.Certificate } });

            var reader = EnvelopedDataReader.Open(new ForwardOnlyStream(new MemoryStream(message)));
            Assert.Throws<DecryptionKeyNotFoundException>(() => reader.Decrypt(new IKeyDecryptor[] { rsa2048 }, new MemoryStream()));
            var output = new MemoryStream();
            reader.Decrypt(new IKeyDecryptor[] { p384 }, output);
            Assert.Equal(plaintext, output.ToArray());
            Assert.Throws<InvalidOperationException>(() => reader.Decrypt(new IKeyDecryptor[] { p384 }, new MemoryStream()));
        }

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm)]
        public void AFailedWriteNeverLooksLikeACompleteMessage(ContentEncryptionAlgorithm algorithm)
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var options = new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = algorithm };
            var output = new MemoryStream();
            var failing = new FailingStream(new MemoryStream(RandomNumberGenerator.GetBytes(300_000)), failAfter: 200_000);
            Assert.Throws<IOException>(() => EnvelopedDataWriter.Write(failing, output, options));
            var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(output.ToArray(), rsa));
            Assert.Equal(ErrorIds.MalformedMessage, error.ErrorId);

            using var cancelled = new System.Threading.CancellationTokenSource();
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() =>
                EnvelopedDataWriter.Write(new MemoryStream(new byte[10]), new MemoryStream(), options, cancelled.Token));
            var message = EnvelopedTestSupport.Encrypt(new byte[10], options);
            Assert.ThrowsAny<OperationCanceledException>(() =>
                EnvelopedDataReader.Decrypt(new MemoryStream(message), new MemoryStream(), new IKeyDecryptor[] { rsa }, cancelled.Token));
        }

        [Fact]
        public void SixtyFourMebibytesStreamThroughInFlatMemory()
        {
            const long size = 64L * 1024 * 1024;
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            string path = Path.Combine(Path.GetTempPath(), "smimetools-envelope-" + Guid.NewGuid().ToString("N") + ".p7m");
            try
            {
                foreach (var algorithm in new[] { ContentEncryptionAlgorithm.Aes256Cbc, ContentEncryptionAlgorithm.Aes256Gcm })
                {
                    var source = new PatternStream(size);
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
                    {
                        EnvelopedDataWriter.Write(source, new ForwardOnlyStream(file), new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = algorithm });
                    }

                    long encryptAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    var sink = new PatternCheckingStream();
                    before = GC.GetAllocatedBytesForCurrentThread();
                    using (var file = new FileStream(path, FileMode.Open, FileAccess.Read))
                    {
                        var result = EnvelopedDataReader.Decrypt(new ForwardOnlyStream(file), sink, new IKeyDecryptor[] { rsa });
                        Assert.Equal(size, result.ContentLength);
                    }

                    long decryptAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    Assert.Equal(size, sink.Length);
                    Assert.True(sink.Matches, "The decrypted content differs from what was encrypted.");

                    // Loose bounds: buffers and parser objects, nothing that grows with the 64 MiB of content.
                    Assert.True(encryptAllocated < 8 * 1024 * 1024, $"{algorithm}: encrypting allocated {encryptAllocated:N0} bytes.");
                    Assert.True(decryptAllocated < 8 * 1024 * 1024, $"{algorithm}: decrypting allocated {decryptAllocated:N0} bytes.");
                }
            }
            finally
            {
                File.Delete(path);
            }
        }

        /// <summary>Reads fine up to a point, then fails like a broken disk.</summary>
        private sealed class FailingStream : ForwardOnlyStream
        {
            public const string Text = "The disk went away.";
            private readonly long _failAfter;
            private long _read;

            public FailingStream(Stream inner, long failAfter)
                : base(inner) => _failAfter = failAfter;

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_read >= _failAfter)
                {
                    throw new IOException(Text);
                }

                int n = base.Read(buffer, offset, (int)Math.Min(count, _failAfter - _read));
                _read += n;
                return n;
            }
        }
    }

    /// <summary>Keys, encryption and decryption shortcuts for the EnvelopedData tests.</summary>
    internal static class EnvelopedTestSupport
    {
        /// <summary>The software key of a test PKI user: RSA and EC through .NET, X25519 read from the user's PKCS#12.</summary>
        public static PrivateKey KeyOf(Pki pki, string name)
        {
            var user = pki.Users[name];
            if (user.SupportsDotNetPrivateKey)
            {
                return PrivateKeys.Open(new DotNetKeyReference(user.GetCertificateWithPrivateKey(), KeyLocation.File));
            }

            var password = new NetworkCredential(string.Empty, pki.Password).SecurePassword;
            var entry = CertificateFileReader.ReadFile(user.Pkcs12Path, password)
                .Single(e => e.Certificate.Thumbprint == user.Thumbprint && e.KeyLocation != KeyLocation.None);
            return PrivateKeys.Open(entry.Key!);
        }

        public static byte[] Encrypt(byte[] plaintext, EncryptionOptions options)
        {
            var output = new MemoryStream();
            EnvelopedDataWriter.Write(new MemoryStream(plaintext), output, options);
            return output.ToArray();
        }

        public static (byte[] Plaintext, DecryptionResult Result) Decrypt(byte[] message, params IKeyDecryptor[] keys)
        {
            var output = new MemoryStream();
            var result = EnvelopedDataReader.Decrypt(new MemoryStream(message), output, keys);
            return (output.ToArray(), result);
        }

        /// <summary>The encrypted content octets of a message (small messages only: parsed in memory).</summary>
        public static byte[] EncryptedContentOf(byte[] message)
        {
            var contentInfo = ContentInfo.GetInstance(Asn1Object.FromByteArray(message));
            var encryptedContentInfo = contentInfo.ContentType.Id == EnvelopingOids.AuthEnvelopedData
                ? AuthEnvelopedData.GetInstance(contentInfo.Content).AuthEncryptedContentInfo
                : EnvelopedData.GetInstance(contentInfo.Content).EncryptedContentInfo;
            return encryptedContentInfo.EncryptedContent.GetOctets();
        }

        public static int IndexOf(byte[] haystack, byte[] needle)
        {
            int index = haystack.AsSpan().IndexOf(needle);
            Assert.True(index >= 0, "The bytes were not found in the message.");
            return index;
        }
    }

    /// <summary>A stream that only goes forwards, like a pipe or a network stream.</summary>
    internal class ForwardOnlyStream : Stream
    {
        private readonly Stream _inner;

        public ForwardOnlyStream(Stream inner) => _inner = inner;

        public override bool CanRead => _inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => _inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => _inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
    }

    /// <summary>A forward-only source of <c>length</c> bytes of a repeating pattern, made on the fly.</summary>
    internal sealed class PatternStream : Stream
    {
        private readonly long _length;
        private long _position;

        public PatternStream(long length) => _length = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public static byte At(long position) => (byte)((position * 31) ^ (position >> 11));

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, _length - _position);
            for (int i = 0; i < n; i++)
            {
                buffer[offset + i] = At(_position + i);
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A forward-only sink that checks what it is given against <see cref="PatternStream"/> without keeping it.</summary>
    internal sealed class PatternCheckingStream : Stream
    {
        private long _length;

        public bool Matches { get; private set; } = true;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            for (int i = 0; i < count && Matches; i++)
            {
                Matches = buffer[offset + i] == PatternStream.At(_length + i);
            }

            _length += count;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
