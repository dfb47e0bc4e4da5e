using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Cms
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnvelopedDataRewriterTests
    {
        private readonly TestPkiFixture _fixture;

        public EnvelopedDataRewriterTests(TestPkiFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> OldAndNewKeys() => new[]
        {
            new object[] { ContentEncryptionAlgorithm.Aes256Cbc, "rsa2048", "p256" },
            new object[] { ContentEncryptionAlgorithm.Aes256Cbc, "p256", "rsa3072" },
            new object[] { ContentEncryptionAlgorithm.Aes128Cbc, "p384", "x25519" },
            new object[] { ContentEncryptionAlgorithm.Aes256Cbc, "x25519", "rsa2048" },
            new object[] { ContentEncryptionAlgorithm.Aes128Gcm, "rsa2048", "p384" },
            new object[] { ContentEncryptionAlgorithm.Aes256Gcm, "p256", "rsa2048" },
            new object[] { ContentEncryptionAlgorithm.Aes256Gcm, "rsa3072", "x25519" },
            new object[] { ContentEncryptionAlgorithm.TripleDesCbc, "rsa2048", "p521" },
        };

        [Theory]
        [MemberData(nameof(OldAndNewKeys))]
        public void AddedRecipientOpensTheMessageTheOldStillDoesAndTheEncryptedContentIsUnchanged(ContentEncryptionAlgorithm algorithm, string oldUser, string newUser)
        {
            using var oldKey = EnvelopedTestSupport.KeyOf(_fixture.Pki, oldUser);
            using var newKey = EnvelopedTestSupport.KeyOf(_fixture.Pki, newUser);
            var plaintext = RandomNumberGenerator.GetBytes(150_001);
            var message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { oldKey.Certificate }, ContentEncryption = algorithm });

            var (rewritten, result) = AddRecipients(message, new[] { oldKey }, newKey.Certificate);

            Assert.Same(oldKey, result.Key);
            Assert.Equal(oldKey.Certificate.SerialNumber, result.OpenedBy.SerialNumber);
            Assert.Equal(AlgorithmPolicy.IsAuthenticated(algorithm), result.IsAuthenticated);
            Assert.Equal(algorithm, result.ContentAlgorithm);
            Assert.Equal(AlgorithmPolicy.IsWeak(algorithm), result.IsWeak);
            Assert.True(result.ContentKeyConfirmed);
            Assert.Same(newKey.Certificate, Assert.Single(result.Added));
            Assert.Empty(result.AlreadyPresent);
            Assert.Single(result.RecipientsBefore);
            Assert.Equal(2, result.RecipientsAfter.Count);
            Assert.Equal(result.RecipientsBefore[0], result.RecipientsAfter[0]);
            Assert.Equal(newKey.Certificate.SerialNumber, result.RecipientsAfter[1].SerialNumber);

            var encrypted = EnvelopedTestSupport.EncryptedContentOf(message);
            Assert.Equal(encrypted, EnvelopedTestSupport.EncryptedContentOf(rewritten));
            Assert.Equal(encrypted.Length, result.EncryptedContentLength);
            Assert.Equal(SHA256.HashData(encrypted), result.EncryptedContentDigest);
            Assert.Equal(result.EncryptedContentDigest, EnvelopedDataRewriter.DigestEncryptedContent(new MemoryStream(rewritten)));

            var (byNew, newResult) = EnvelopedTestSupport.Decrypt(rewritten, newKey);
            Assert.Equal(plaintext, byNew);
            Assert.Equal(2, newResult.Recipients.Count);
            Assert.Equal(plaintext, EnvelopedTestSupport.Decrypt(rewritten, oldKey).Plaintext);

            var check = EnvelopedDataRewriter.Check(new MemoryStream(rewritten), new IKeyDecryptor[] { oldKey, newKey }, result.EncryptedContentDigest, result.ContentKeyCheckValue);
            Assert.True(check.IsIntact, check.ToString());
            Assert.Equal(2, check.RecipientsChecked.Count);
        }

        [Fact]
        public void VersionFollowsRfc5652ForTheRecipientsAdded()
        {
            using var rsa2048 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var rsa3072 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            var message = EnvelopedTestSupport.Encrypt(new byte[100], new EncryptionOptions { Recipients = new[] { rsa2048.Certificate } });
            Assert.Equal(0, VersionOf(message));

            // Another issuer-and-serial key transport keeps version 0; a subject key identifier or a key agreement makes it 2.
            var (plainRsa, plainResult) = AddRecipients(message, new[] { rsa2048 }, rsa3072.Certificate);
            Assert.Equal((0, 0, 0), (plainResult.VersionBefore, plainResult.VersionAfter, VersionOf(plainRsa)));
            var (bySki, skiResult) = AddRecipients(message, new[] { rsa2048 }, new EncryptionOptions { Recipients = new[] { rsa3072.Certificate }, UseSubjectKeyIdentifier = true });
            Assert.Equal((0, 2, 2), (skiResult.VersionBefore, skiResult.VersionAfter, VersionOf(bySki)));
            Assert.NotNull(EnvelopedTestSupport.Decrypt(bySki, rsa3072).Result.OpenedBy.SubjectKeyIdentifier);
            Assert.Equal(rsa3072.Certificate.SerialNumber, EnvelopedTestSupport.Decrypt(plainRsa, rsa3072).Result.OpenedBy.SerialNumber);
            var (withEc, ecResult) = AddRecipients(message, new[] { rsa2048 }, p256.Certificate);
            Assert.Equal((0, 2, 2), (ecResult.VersionBefore, ecResult.VersionAfter, VersionOf(withEc)));

            var gcm = EnvelopedTestSupport.Encrypt(new byte[100], new EncryptionOptions { Recipients = new[] { rsa2048.Certificate }, ContentEncryption = ContentEncryptionAlgorithm.Aes256Gcm });
            var (gcmWithEc, gcmResult) = AddRecipients(gcm, new[] { rsa2048 }, p256.Certificate);
            Assert.Equal((0, 0, 0), (gcmResult.VersionBefore, gcmResult.VersionAfter, VersionOf(gcmWithEc)));
        }

        [Fact]
        public void RecipientsAlreadyThereAreNotAddedTwice()
        {
            using var rsa2048 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            using var p384 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p384");
            var message = EnvelopedTestSupport.Encrypt(new byte[1000], new EncryptionOptions { Recipients = new[] { rsa2048.Certificate, p256.Certificate }, UseSubjectKeyIdentifier = true });

            // p256 is named by subject key identifier, p384 is given twice: one entry is added, once.
            var (rewritten, result) = AddRecipients(message, new[] { rsa2048 }, new EncryptionOptions { Recipients = new[] { p256.Certificate, p384.Certificate, p384.Certificate } });
            Assert.Same(p384.Certificate, Assert.Single(result.Added));
            Assert.Same(p256.Certificate, Assert.Single(result.AlreadyPresent));
            Assert.Equal(3, result.RecipientsAfter.Count);

            // Adding p384 again to the rewritten message changes nothing in its recipients.
            var (again, againResult) = AddRecipients(rewritten, new[] { p384 }, p384.Certificate);
            Assert.Empty(againResult.Added);
            Assert.Same(p384.Certificate, Assert.Single(againResult.AlreadyPresent));
            Assert.Equal(3, EnvelopedDataReader.ReadRecipients(new MemoryStream(again)).Count);
            Assert.Equal(EnvelopedTestSupport.EncryptedContentOf(message), EnvelopedTestSupport.EncryptedContentOf(again));
        }

        [Fact]
        public void WrongOldKeysGiveNoDecryptionKeyAndWriteNothing()
        {
            using var rsa2048 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var rsa3072 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            using var p384 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p384");
            var message = EnvelopedTestSupport.Encrypt(new byte[1000], new EncryptionOptions { Recipients = new[] { rsa2048.Certificate } });

            var output = new MemoryStream();
            var error = Assert.Throws<DecryptionKeyNotFoundException>(() => EnvelopedDataRewriter.AddRecipients(
                new MemoryStream(message), output, new IKeyDecryptor[] { rsa3072, p384 }, new EncryptionOptions { Recipients = new[] { p384.Certificate } }));
            Assert.Equal(ErrorIds.NoDecryptionKey, error.ErrorId);
            Assert.Equal(rsa2048.Certificate.SerialNumber, Assert.Single(error.Recipients).SerialNumber);
            Assert.Equal(0, output.Length);

            var none = Assert.ThrowsAny<SmimeException>(() => EnvelopedDataRewriter.AddRecipients(
                new MemoryStream(message), output, new IKeyDecryptor[] { rsa2048 }, new EncryptionOptions()));
            Assert.Equal(ErrorIds.NoMatchingCertificate, none.ErrorId);
            Assert.Equal(0, output.Length);
        }

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, false)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm, false)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, true)]
        [InlineData(ContentEncryptionAlgorithm.Aes128Gcm, true)]
        public void TruncatedInputIsMalformedAndWhatWasWrittenDoesNotOpen(ContentEncryptionAlgorithm algorithm, bool definiteLength)
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            var message = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(200_000), new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = algorithm });
            if (definiteLength)
            {
                message = Asn1Object.FromByteArray(message).GetEncoded(Asn1Encodable.Der);
            }

            foreach (int keep in new[] { 20, 400, message.Length / 2, message.Length - 20, message.Length - 1 })
            {
                var output = new MemoryStream();
                var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedDataRewriter.AddRecipients(
                    new MemoryStream(message[..keep]), output, new IKeyDecryptor[] { rsa }, new EncryptionOptions { Recipients = new[] { p256.Certificate } }));
                Assert.Equal(ErrorIds.MalformedMessage, error.ErrorId);
                var written = output.ToArray();
                foreach (var key in new[] { rsa, p256 })
                {
                    var unusable = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(written, key));
                    Assert.Contains(unusable.ErrorId, new[] { ErrorIds.MalformedMessage, ErrorIds.DecryptionFailed });
                }
            }
        }

        [Theory]
        [InlineData("rsa2048", "p256")]
        [InlineData("p384", "rsa3072")]
        public void CheckConfirmsTheCarriedRecipientsWithoutASecondPrivateKeyOperationAndUnwrapsWhenTheirBytesChanged(string oldUser, string newUser)
        {
            using var oldKey = EnvelopedTestSupport.KeyOf(_fixture.Pki, oldUser);
            using var newKey = EnvelopedTestSupport.KeyOf(_fixture.Pki, newUser);
            var message = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(10_000), new EncryptionOptions { Recipients = new[] { oldKey.Certificate } });
            var (rewritten, result) = AddRecipients(message, new[] { oldKey }, newKey.Certificate);
            Assert.Equal(1, result.Carried.Count);
            Assert.Equal(0, result.Carried.Opened);

            var old = new CountingKey(oldKey);
            var carriedOnly = EnvelopedDataRewriter.Check(new MemoryStream(rewritten), new IKeyDecryptor[] { old }, result.EncryptedContentDigest, result.ContentKeyCheckValue,
                carried: result.Carried);
            Assert.True(carriedOnly.IsIntact, carriedOnly.ToString());
            Assert.Equal(oldKey.Certificate.SerialNumber, carriedOnly.CarriedOpened!.SerialNumber);
            Assert.Empty(carriedOnly.RecipientsChecked);
            Assert.Equal(0, old.Operations);

            // A key of a new recipient is still used: its RecipientInfo is the one thing the rewrite made.
            var withNew = new CountingKey(newKey);
            var both = EnvelopedDataRewriter.Check(new MemoryStream(rewritten), new IKeyDecryptor[] { old, withNew }, result.EncryptedContentDigest, result.ContentKeyCheckValue,
                carried: result.Carried);
            Assert.True(both.IsIntact, both.ToString());
            Assert.Equal(newKey.Certificate.SerialNumber, Assert.Single(both.RecipientsChecked).SerialNumber);
            Assert.Equal(0, old.Operations);
            Assert.Equal(1, withNew.Operations);

            // One byte of the old RecipientInfo changed: the fingerprint no longer holds, so the old key unwraps it again, and
            // what comes out (a stand-in key or a failure) is not the original's key.
            var oldInfo = RecipientInfoEncoding(message, 0);
            var changed = (byte[])rewritten.Clone();
            changed[EnvelopedTestSupport.IndexOf(changed, oldInfo) + oldInfo.Length - 5] ^= 0x01;
            var changedCheck = EnvelopedDataRewriter.Check(new MemoryStream(changed), new IKeyDecryptor[] { old }, result.EncryptedContentDigest, result.ContentKeyCheckValue,
                carried: result.Carried);
            Assert.Null(changedCheck.CarriedOpened);
            Assert.False(changedCheck.IsIntact, changedCheck.ToString());
            Assert.Equal(1, old.Operations);

            // The old RecipientInfo left out altogether: no fingerprint match, and the old key finds nothing to open.
            var withoutOld = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(100), new EncryptionOptions { Recipients = new[] { newKey.Certificate } });
            var missing = Assert.ThrowsAny<SmimeException>(() => EnvelopedDataRewriter.Check(new MemoryStream(withoutOld), new IKeyDecryptor[] { old },
                result.EncryptedContentDigest, result.ContentKeyCheckValue, carried: result.Carried));
            Assert.Equal(ErrorIds.NoDecryptionKey, missing.ErrorId);
        }

        private static byte[] RecipientInfoEncoding(byte[] message, int index) =>
            EnvelopedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(message)).Content).RecipientInfos[index].GetEncoded(Asn1Encodable.Der);

        /// <summary>A key that counts its private-key operations.</summary>
        private sealed class CountingKey : IKeyDecryptor
        {
            private readonly IKeyDecryptor _inner;

            public CountingKey(IKeyDecryptor inner) => _inner = inner;

            public int Operations { get; private set; }

            public X509Certificate2 Certificate => _inner.Certificate;

            public KeyAlgorithmKind Algorithm => _inner.Algorithm;

            public byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding)
            {
                Operations++;
                return _inner.DecryptKey(encryptedKey, padding);
            }

            public byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo)
            {
                Operations++;
                return _inner.Agree(originatorPublicKeyInfo);
            }
        }

        [Fact]
        public void CheckFindsChangedContentAndAForeignKey()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            var message = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(10_000), new EncryptionOptions { Recipients = new[] { rsa.Certificate } });
            var (rewritten, result) = AddRecipients(message, new[] { rsa }, p256.Certificate);

            var onlyOld = EnvelopedDataRewriter.Check(new MemoryStream(rewritten), new IKeyDecryptor[] { rsa }, result.EncryptedContentDigest, result.ContentKeyCheckValue);
            Assert.True(onlyOld.IsIntact);
            Assert.Equal(rsa.Certificate.SerialNumber, Assert.Single(onlyOld.RecipientsChecked).SerialNumber);

            var changed = (byte[])rewritten.Clone();
            changed[EnvelopedTestSupport.IndexOf(changed, EnvelopedTestSupport.EncryptedContentOf(rewritten)[..64]) + 10] ^= 0x01;
            var changedCheck = EnvelopedDataRewriter.Check(new MemoryStream(changed), new IKeyDecryptor[] { rsa, p256 }, result.EncryptedContentDigest, result.ContentKeyCheckValue);
            Assert.False(changedCheck.ContentDigestMatches);
            Assert.False(changedCheck.IsIntact);

            // The same recipients over another key (another message to the same people) fail the key check.
            var other = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(10_000), new EncryptionOptions { Recipients = new[] { rsa.Certificate, p256.Certificate } });
            var otherCheck = EnvelopedDataRewriter.Check(new MemoryStream(other), new IKeyDecryptor[] { rsa, p256 }, EnvelopedDataRewriter.DigestEncryptedContent(new MemoryStream(other)), result.ContentKeyCheckValue);
            Assert.True(otherCheck.ContentDigestMatches);
            Assert.False(otherCheck.ContentKeyMatches);
            Assert.False(otherCheck.IsIntact);
        }

        [Fact]
        public void OriginatorInfoAndUnprotectedAttributesAreCarriedOver()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            using var p384 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p384");
            var plaintext = RandomNumberGenerator.GetBytes(3000);
            var originator = new OriginatorInfo(new DerSet(X509CertificateStructure.GetInstance(rsa.Certificate.RawData)), null);
            var message = EnvelopedDataAttributesTests.EnvelopedWithUnprotectedAttributes(rsa.Certificate, plaintext, originator);
            var original = EnvelopedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(message)).Content);

            var (rewritten, result) = AddRecipients(message, new[] { rsa }, p384.Certificate);
            Assert.Equal((2, 2), (result.VersionBefore, result.VersionAfter));

            var (decrypted, decryption) = EnvelopedTestSupport.Decrypt(rewritten, p384);
            Assert.Equal(plaintext, decrypted);
            Assert.Single(decryption.UnprotectedAttributes);
            var enveloped = EnvelopedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(rewritten)).Content);
            Assert.Equal(original.OriginatorInfo.GetEncoded(Asn1Encodable.Der), enveloped.OriginatorInfo.GetEncoded(Asn1Encodable.Der));
            Assert.Equal(original.UnprotectedAttrs.GetEncoded(Asn1Encodable.Der), enveloped.UnprotectedAttrs.GetEncoded(Asn1Encodable.Der));
        }

        [Fact]
        public void AuthenticatedAttributesAndTagAreCarriedOverAndStillVerify()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            var plaintext = RandomNumberGenerator.GetBytes(70_000);
            var message = EnvelopedDataAttributesTests.AuthEnveloped(rsa.Certificate, plaintext, "covered by the tag");
            var original = AuthEnvelopedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(message)).Content);

            var (rewritten, result) = AddRecipients(message, new[] { rsa }, p256.Certificate);
            Assert.True(result.IsAuthenticated);

            var (decrypted, decryption) = EnvelopedTestSupport.Decrypt(rewritten, p256);
            Assert.Equal(plaintext, decrypted);
            Assert.Equal(2, decryption.AuthenticatedAttributes.Count);
            Assert.Single(decryption.UnauthenticatedAttributes);
            var auth = AuthEnvelopedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(rewritten)).Content);
            Assert.Equal(original.Mac.GetOctets(), auth.Mac.GetOctets());
            Assert.Equal(original.AuthAttrs.GetEncoded(Asn1Encodable.Der), auth.AuthAttrs.GetEncoded(Asn1Encodable.Der));
            Assert.Equal(original.UnauthAttrs.GetEncoded(Asn1Encodable.Der), auth.UnauthAttrs.GetEncoded(Asn1Encodable.Der));
        }

        [Fact]
        public void CancellationStopsTheCopy()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            var message = EnvelopedTestSupport.Encrypt(new byte[200_000], new EncryptionOptions { Recipients = new[] { rsa.Certificate } });
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => EnvelopedDataRewriter.AddRecipients(
                new MemoryStream(message), new MemoryStream(), new IKeyDecryptor[] { rsa }, new EncryptionOptions { Recipients = new[] { p256.Certificate } }, cancelled.Token));
        }

        [Fact]
        public void SixtyFourMebibytesAreRewrittenInFlatMemoryAndGrowOnlyByTheNewHeader()
        {
            const long size = 64L * 1024 * 1024;
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            string folder = Path.Combine(Path.GetTempPath(), "smimetools-rewrite-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            string original = Path.Combine(folder, "original.p7m");
            string rewritten = Path.Combine(folder, "rewritten.p7m");
            try
            {
                using (var file = new FileStream(original, FileMode.Create, FileAccess.Write))
                {
                    EnvelopedDataWriter.Write(new PatternStream(size), file, new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = ContentEncryptionAlgorithm.Aes256Gcm });
                }

                RecipientAdditionResult result;
                long before = GC.GetAllocatedBytesForCurrentThread();
                using (var input = new FileStream(original, FileMode.Open, FileAccess.Read))
                using (var output = new FileStream(rewritten, FileMode.Create, FileAccess.Write))
                {
                    result = EnvelopedDataRewriter.AddRecipients(
                        new ForwardOnlyStream(input), new ForwardOnlyStream(output), new IKeyDecryptor[] { rsa }, new EncryptionOptions { Recipients = new[] { p256.Certificate } });
                }

                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated < 8 * 1024 * 1024, $"rewriting allocated {allocated:N0} bytes.");

                // The segments are copied as they are: the file grows by the new RecipientInfo and the SET's longer length octets.
                long growth = new FileInfo(rewritten).Length - new FileInfo(original).Length;
                Assert.InRange(growth, 100, 400);

                var sink = new PatternCheckingStream();
                using (var file = new FileStream(rewritten, FileMode.Open, FileAccess.Read))
                {
                    EnvelopedDataReader.Decrypt(new ForwardOnlyStream(file), sink, new IKeyDecryptor[] { p256 });
                }

                Assert.Equal(size, sink.Length);
                Assert.True(sink.Matches, "The new recipient's plaintext differs from what was encrypted.");
                using (var file = new FileStream(original, FileMode.Open, FileAccess.Read))
                {
                    Assert.Equal(result.EncryptedContentDigest, EnvelopedDataRewriter.DigestEncryptedContent(file));
                }
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.TripleDesCbc, "rsa2048", ContentEncryptionAlgorithm.Aes256Cbc, "p256")]
        [InlineData(ContentEncryptionAlgorithm.Aes128Cbc, "p384", ContentEncryptionAlgorithm.Aes256Gcm, "rsa3072")]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm, "x25519", ContentEncryptionAlgorithm.Aes128Cbc, "rsa2048")]
        public void ReencryptionGivesAFreshKeyAndDropsRecipientsLeftOut(ContentEncryptionAlgorithm oldAlgorithm, string oldUser, ContentEncryptionAlgorithm newAlgorithm, string newUser)
        {
            using var oldKey = EnvelopedTestSupport.KeyOf(_fixture.Pki, oldUser);
            using var newKey = EnvelopedTestSupport.KeyOf(_fixture.Pki, newUser);
            var plaintext = RandomNumberGenerator.GetBytes(300_007);
            var message = EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { oldKey.Certificate }, ContentEncryption = oldAlgorithm });

            var output = new MemoryStream();
            var result = EnvelopedDataRewriter.Reencrypt(new ForwardOnlyStream(new MemoryStream(message)), output, new IKeyDecryptor[] { oldKey },
                new EncryptionOptions { Recipients = new[] { newKey.Certificate }, ContentEncryption = newAlgorithm });
            var reencrypted = output.ToArray();

            Assert.Same(oldKey, result.Original.Key);
            Assert.Equal(oldAlgorithm, result.Original.ContentAlgorithm);
            Assert.Equal(AlgorithmPolicy.IsWeak(oldAlgorithm), result.Original.IsWeak);
            Assert.Equal(newAlgorithm, result.ContentAlgorithm);
            var (decrypted, decryption) = EnvelopedTestSupport.Decrypt(reencrypted, newKey);
            Assert.Equal(plaintext, decrypted);
            Assert.Equal(newAlgorithm, decryption.ContentAlgorithm);
            Assert.Single(decryption.Recipients);
            var dropped = Assert.Throws<DecryptionKeyNotFoundException>(() => EnvelopedTestSupport.Decrypt(reencrypted, oldKey));
            Assert.Equal(ErrorIds.NoDecryptionKey, dropped.ErrorId);
        }

        [Fact]
        public void ReencryptionWithAWrongKeyWritesNothingAndTamperedContentIsNeverFinished()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            var message = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(500_000), new EncryptionOptions { Recipients = new[] { rsa.Certificate }, ContentEncryption = ContentEncryptionAlgorithm.Aes256Gcm });
            var toP256 = new EncryptionOptions { Recipients = new[] { p256.Certificate } };

            var output = new MemoryStream();
            var missing = Assert.Throws<DecryptionKeyNotFoundException>(() =>
                EnvelopedDataRewriter.Reencrypt(new MemoryStream(message), output, new IKeyDecryptor[] { p256 }, toP256));
            Assert.Equal(ErrorIds.NoDecryptionKey, missing.ErrorId);
            Assert.Equal(0, output.Length);

            // A flipped ciphertext byte fails the GCM tag only at the end, after most of the new message was written: it must not open.
            var tampered = (byte[])message.Clone();
            tampered[EnvelopedTestSupport.IndexOf(tampered, EnvelopedTestSupport.EncryptedContentOf(message)[..64]) + 5] ^= 0x01;
            var failed = Assert.ThrowsAny<SmimeException>(() =>
                EnvelopedDataRewriter.Reencrypt(new MemoryStream(tampered), output, new IKeyDecryptor[] { rsa }, toP256));
            Assert.Equal(ErrorIds.DecryptionFailed, failed.ErrorId);
            Assert.True(output.Length > 100_000, $"only {output.Length} bytes were written before the tag was checked.");
            var unfinished = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(output.ToArray(), p256));
            Assert.Equal(ErrorIds.MalformedMessage, unfinished.ErrorId);
        }

        [Fact]
        public void ReencryptionToAKeyTheWriterCannotUseReportsTheWritersError()
        {
            using var rsa = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var p256 = EnvelopedTestSupport.KeyOf(_fixture.Pki, "p256");
            var message = EnvelopedTestSupport.Encrypt(RandomNumberGenerator.GetBytes(500_000), new EncryptionOptions { Recipients = new[] { rsa.Certificate } });

            // A DES key is too short to be AES-key-wrapped for an EC recipient: the writer refuses, the decryptor finds the pipe closed.
            var refused = Assert.ThrowsAny<SmimeException>(() => EnvelopedDataRewriter.Reencrypt(new MemoryStream(message), new MemoryStream(), new IKeyDecryptor[] { rsa },
                new EncryptionOptions { Recipients = new[] { p256.Certificate }, ContentEncryption = ContentEncryptionAlgorithm.DesCbc }));
            Assert.Equal(ErrorIds.UnsupportedAlgorithm, refused.ErrorId);
        }

        internal static (byte[] Rewritten, RecipientAdditionResult Result) AddRecipients(byte[] message, IReadOnlyList<IKeyDecryptor> oldKeys, X509Certificate2 newRecipient) =>
            AddRecipients(message, oldKeys, new EncryptionOptions { Recipients = new[] { newRecipient } });

        internal static (byte[] Rewritten, RecipientAdditionResult Result) AddRecipients(byte[] message, IReadOnlyList<IKeyDecryptor> oldKeys, EncryptionOptions options)
        {
            var output = new MemoryStream();
            var result = EnvelopedDataRewriter.AddRecipients(new ForwardOnlyStream(new MemoryStream(message)), output, oldKeys, options);
            return (output.ToArray(), result);
        }

        private static int VersionOf(byte[] message)
        {
            var contentInfo = ContentInfo.GetInstance(Asn1Object.FromByteArray(message));
            return contentInfo.ContentType.Id == EnvelopingOids.AuthEnvelopedData
                ? AuthEnvelopedData.GetInstance(contentInfo.Content).Version.IntValueExact
                : EnvelopedData.GetInstance(contentInfo.Content).Version.IntValueExact;
        }
    }
}
