using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Operations
{
    /// <summary>Moving encrypted messages to new keys in place: what the new key opens, what stays byte for byte, and what is never touched.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EncryptionUpdateTests : IDisposable
    {
        private const string Body = "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: archive\r\nX-Archive: 2016\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain\r\n\r\nTen years of mail.\r\n";

        private readonly TestPkiFixture _fixture;
        private readonly string _folder = Directory.CreateTempSubdirectory("update-").FullName;

        public EncryptionUpdateTests(TestPkiFixture fixture) => _fixture = fixture;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private PrivateKey Key(string user) => EnvelopedTestSupport.KeyOf(_fixture.Pki, user);

        private X509Certificate2 Certificate(string user) => _fixture.Pki.Users[user].GetCertificate();

        private string Encrypted(string name, string user, ContentEncryptionAlgorithm algorithm = ContentEncryptionAlgorithm.Aes256Cbc,
            ISigningKey? signer = null, string body = Body)
        {
            var path = Path.Combine(_folder, name);
            var options = new ProtectOptions
            {
                Recipients = new[] { Certificate(user) }, ContentEncryption = algorithm, AllowWeakAlgorithm = AlgorithmPolicy.IsWeak(algorithm),
                SigningKey = signer, SignatureCertificates = signer == null ? Array.Empty<X509Certificate2>() : new[] { signer.Certificate },
            };
            MessageProtector.Protect(MessageInput.FromText(body), options, MessageOutput.ToFile(path, overwrite: false));
            return path;
        }

        private static byte[] Opened(string path, IKeyDecryptor key) =>
            MessageUnprotector.Unprotect(MessageInput.FromFile(path), new UnprotectOptions { Keys = new[] { key } }, MessageOutput.ToMemory()).Content!;

        private static byte[] HeadersOf(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
            return bytes[..(end < 0 ? bytes.AsSpan().IndexOf("\n\n"u8) : end)];
        }

        private static string[] Leftovers(string folder) => Directory.GetFiles(folder, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 });

        [Fact]
        public void APlanSaysWhatEachMessageWouldGetWithoutAKeyAndWritesNothing()
        {
            var path = Encrypted("plan.eml", "rsa2048", ContentEncryptionAlgorithm.TripleDesCbc);
            var bytes = File.ReadAllBytes(path);
            var oldSubject = Certificate("rsa2048").Subject;
            var newSubject = Certificate("p256").Subject;
            using var adding = new EncryptionUpdateJob(new EncryptionUpdateOptions { Recipients = new[] { Certificate("p256") } });
            using var reencrypting = new EncryptionUpdateJob(new EncryptionUpdateOptions
            {
                Mode = EncryptionUpdateMode.Reencrypt, Recipients = new[] { Certificate("p256") }, RemoveRecipients = new[] { Certificate("rsa2048") },
            });
            MessageUpdate? added = null, reencrypted = null;

            adding.Plan(new ArchiveItem(path, ArchiveItemKind.MessageFile, bytes.Length), u => added = u, e => throw e);
            reencrypting.Plan(new ArchiveItem(path, ArchiveItemKind.MessageFile, bytes.Length), u => reencrypted = u, e => throw e);

            Assert.Equal(MessageUpdateState.Planned, added!.State);
            // A recipient whose certificate the job does not hold is named by issuer and serial number.
            Assert.StartsWith("issuer ", Assert.Single(added.RecipientsBefore), StringComparison.Ordinal);
            Assert.Equal(new[] { added.RecipientsBefore[0], newSubject }, added.RecipientsAfter);
            Assert.Equal(added.AlgorithmBefore, added.AlgorithmAfter);
            Assert.Equal(MessageUpdateState.Planned, reencrypted!.State);
            Assert.Equal(new[] { oldSubject }, reencrypted.RecipientsBefore);
            Assert.Equal(new[] { newSubject }, reencrypted.RecipientsAfter);
            Assert.Equal(new[] { oldSubject }, reencrypted.Removed);
            Assert.True(reencrypted.WasWeak);
            Assert.Equal("AES-256-CBC", reencrypted.AlgorithmAfter);
            Assert.Equal(bytes, File.ReadAllBytes(path));
            Assert.Equal(new[] { path }, Directory.GetFiles(_folder, "*", new EnumerationOptions { AttributesToSkip = 0 }));

            var plain = Path.Combine(_folder, "plain.eml");
            File.WriteAllText(plain, Body);
            SmimeException? problem = null;
            adding.Plan(new ArchiveItem(plain, ArchiveItemKind.MessageFile, Body.Length), _ => throw new InvalidOperationException("planned a plain message"), e => problem = e);
            Assert.Equal(ErrorIds.NotEncrypted, problem?.ErrorId);
        }

        [Fact]
        public void AnAddedRecipientOpensTheMessageAndEverythingOutsideTheEnvelopeStays()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var path = Encrypted("a.eml", "rsa2048");
            var headers = HeadersOf(path);
            var plaintext = Opened(path, oldKey);
            using var job = new EncryptionUpdateJob(new EncryptionUpdateOptions { OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate } });

            var update = job.UpdateFile(path);

            Assert.Equal(MessageUpdateState.Updated, update.State);
            Assert.Equal(oldKey.Certificate.Thumbprint, update.KeyThumbprint);
            Assert.Equal(newKey.Certificate.Subject, Assert.Single(update.Added));
            Assert.Equal(2, update.RecipientsAfter.Count);
            Assert.NotNull(update.Checked);
            Assert.Equal(headers, HeadersOf(path));
            Assert.Equal(plaintext, Opened(path, newKey));
            Assert.Equal(plaintext, Opened(path, oldKey));
            Assert.Equal(1, job.Summary.Updated);
            Assert.Empty(Leftovers(_folder));
        }

        [Fact]
        public void AMessageIsNeverRewrittenTwice()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("rsa3072");
            var path = Encrypted("b.eml", "rsa2048");
            var options = new EncryptionUpdateOptions { OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate } };
            using (var job = new EncryptionUpdateJob(options))
            {
                Assert.Equal(MessageUpdateState.Updated, job.UpdateFile(path).State);
            }

            var after = File.ReadAllBytes(path);
            using (var rerun = new EncryptionUpdateJob(options))
            {
                var again = rerun.UpdateFile(path);
                Assert.Equal(MessageUpdateState.Skipped, again.State);
                Assert.Equal(1, rerun.Summary.Skipped);
            }

            // Without the journal, the message itself says it is done.
            File.Delete(Path.Combine(_folder, ".smimetools-update.journal"));
            using (var fresh = new EncryptionUpdateJob(options))
            {
                Assert.Equal(MessageUpdateState.Skipped, fresh.UpdateFile(path).State);
            }

            Assert.Equal(after, File.ReadAllBytes(path));
        }

        [Fact]
        public void ReencryptionMovesAWeakCipherToAesAndDropsTheRetiredKey()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p384");
            var path = Encrypted("c.eml", "rsa2048", ContentEncryptionAlgorithm.TripleDesCbc);
            var plaintext = Opened(path, oldKey);
            using var job = new EncryptionUpdateJob(new EncryptionUpdateOptions
            {
                OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate }, Mode = EncryptionUpdateMode.Reencrypt,
                ContentEncryption = ContentEncryptionAlgorithm.Aes256Gcm, RemoveRecipients = new[] { oldKey.Certificate },
            });

            var update = job.UpdateFile(path);

            Assert.Equal(MessageUpdateState.Updated, update.State);
            Assert.True(update.WasWeak);
            Assert.Equal(oldKey.Certificate.Subject, Assert.Single(update.Removed));
            Assert.Equal(plaintext, Opened(path, newKey));
            var e = Assert.Throws<DecryptionKeyNotFoundException>(() => Opened(path, oldKey));
            Assert.Equal(ErrorIds.NoDecryptionKey, e.ErrorId);
            var summary = MessageInspector.Inspect(MessageInput.FromFile(path), _folder);
            Assert.Equal(LayerKind.AuthEnveloped, Assert.Single(summary.Layers).Kind);
            Assert.Contains("smime-type=authEnveloped-data", File.ReadAllText(path), StringComparison.Ordinal);
        }

        [Fact]
        public void AddingTheNewKeyThenRetiringTheOldLeavesOnlyTheNew()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var path = Encrypted("retire.eml", "rsa2048");
            var plaintext = Opened(path, oldKey);
            using (var add = new EncryptionUpdateJob(new EncryptionUpdateOptions { OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate } }))
            {
                Assert.Equal(MessageUpdateState.Updated, add.UpdateFile(path).State);
            }

            using var retire = new EncryptionUpdateJob(new EncryptionUpdateOptions
            {
                OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate }, Mode = EncryptionUpdateMode.Reencrypt,
                RemoveRecipients = new[] { oldKey.Certificate },
            });
            var update = retire.UpdateFile(path);

            Assert.Equal(MessageUpdateState.Updated, update.State);
            Assert.Equal(newKey.Certificate.Subject, Assert.Single(update.RecipientsAfter));
            Assert.Equal(plaintext, Opened(path, newKey));
            Assert.Throws<DecryptionKeyNotFoundException>(() => Opened(path, oldKey));
            Assert.Equal(MessageUpdateState.Skipped, retire.UpdateFile(path).State);
        }

        [Fact]
        public void ReencryptionKeepsOldRecipientsOnlyWhenTheirCertificatesAreKnown()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var path = Path.Combine(_folder, "d.eml");
            MessageProtector.Protect(MessageInput.FromText(Body), new ProtectOptions { Recipients = new[] { Certificate("rsa2048"), Certificate("rsa3072") } },
                MessageOutput.ToFile(path, overwrite: false));
            var before = File.ReadAllBytes(path);
            var options = new EncryptionUpdateOptions { OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate }, Mode = EncryptionUpdateMode.Reencrypt };
            using var job = new EncryptionUpdateJob(options);

            var e = Assert.Throws<SmimeException>(() => job.UpdateFile(path));
            Assert.Equal(ErrorIds.RecipientCertificateUnknown, e.ErrorId);
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal(1, job.Summary.Failed);

            using var known = new EncryptionUpdateJob(new EncryptionUpdateOptions
            {
                OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate }, Mode = EncryptionUpdateMode.Reencrypt,
                FindCertificate = r => r.Names(Certificate("rsa3072")) ? Certificate("rsa3072") : null,
            });
            Assert.Equal(3, known.UpdateFile(path).RecipientsAfter.Count);
            using var third = Key("rsa3072");
            Assert.Equal(Opened(path, newKey), Opened(path, third));
        }

        [Fact]
        public void MessagesThatCannotBeUpdatedAreLeftAsTheyAre()
        {
            using var oldKey = Key("rsa2048");
            using var other = Key("rsa3072");
            using var newKey = Key("p256");
            var plain = Path.Combine(_folder, "plain.eml");
            File.WriteAllText(plain, Body);
            var foreign = Encrypted("foreign.eml", "rsa3072");
            var signedOver = Path.Combine(_folder, "signed-over.eml");
            MessageProtector.Protect(MessageInput.FromFile(Encrypted("inner.eml", "rsa2048")), new ProtectOptions
            {
                SigningKey = oldKey, SignatureCertificates = new[] { oldKey.Certificate },
            }, MessageOutput.ToFile(signedOver, overwrite: false));
            using var job = new EncryptionUpdateJob(new EncryptionUpdateOptions { OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate } });

            foreach (var (path, errorId) in new[] { (plain, ErrorIds.NotEncrypted), (foreign, ErrorIds.NoDecryptionKey), (signedOver, ErrorIds.SignatureOverEncryption) })
            {
                var before = File.ReadAllBytes(path);
                var e = Assert.ThrowsAny<SmimeException>(() => job.UpdateFile(path));
                Assert.Equal(errorId, e.ErrorId);
                Assert.Equal(before, File.ReadAllBytes(path));
            }

            Assert.Equal(3, job.Summary.Failed);
            Assert.Empty(Leftovers(_folder));
        }

        [Fact]
        public void ASignatureInsideTheEnvelopeIsCarriedByteForByte()
        {
            using var oldKey = Key("rsa2048");
            using var signer = Key("p256");
            using var newKey = Key("rsa3072");
            var path = Encrypted("signed.eml", "rsa2048", signer: signer);
            var inner = Opened(path, oldKey);
            using var job = new EncryptionUpdateJob(new EncryptionUpdateOptions
            {
                OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate }, Mode = EncryptionUpdateMode.Reencrypt,
            });

            Assert.Equal(MessageUpdateState.Updated, job.UpdateFile(path).State);
            Assert.Equal(inner, Opened(path, newKey));
        }

        [Fact]
        public void UnixLineEndsStayUnixLineEnds()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("p256");
            var path = Encrypted("lf.eml", "rsa2048");
            File.WriteAllText(path, File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal));
            using var job = new EncryptionUpdateJob(new EncryptionUpdateOptions { OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate } });

            Assert.Equal(MessageUpdateState.Updated, job.UpdateFile(path).State);
            Assert.DoesNotContain((byte)'\r', File.ReadAllBytes(path));
            Assert.Equal(Opened(path, oldKey), Opened(path, newKey));
        }

        [Fact]
        public void ABareCmsFileStaysABareCmsFile()
        {
            using var oldKey = Key("rsa2048");
            using var newKey = Key("x25519");
            var path = Path.Combine(_folder, "bare.p7m");
            File.WriteAllBytes(path, EnvelopedTestSupport.Encrypt(Encoding.ASCII.GetBytes(Body), new EncryptionOptions { Recipients = new[] { oldKey.Certificate } }));
            using var job = new EncryptionUpdateJob(new EncryptionUpdateOptions { OldKeys = new[] { oldKey }, Recipients = new[] { newKey.Certificate } });

            Assert.Equal(MessageUpdateState.Updated, job.UpdateFile(path).State);
            Assert.Equal(0x30, File.ReadAllBytes(path)[0]);
            Assert.Equal(Encoding.ASCII.GetBytes(Body), EnvelopedTestSupport.Decrypt(File.ReadAllBytes(path), newKey).Plaintext);
        }
    }
}
