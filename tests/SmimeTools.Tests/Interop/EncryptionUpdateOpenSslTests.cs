using System.IO;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Interop
{
    /// <summary>Archived messages moved to new keys by the update job, opened by <c>openssl cms</c> with the new key (and the old one where it stays).</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EncryptionUpdateOpenSslTests : System.IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly string _folder = EnvelopingInterop.NewFolder("openssl-update");

        public EncryptionUpdateOpenSslTests(TestPkiFixture fixture) => _fixture = fixture;

        public void Dispose() => EnvelopingInterop.DeleteFolder(_folder);

        [SkippableTheory]
        [InlineData(EncryptionUpdateMode.AddRecipient, "rsa3072", ContentEncryptionAlgorithm.Aes256Cbc)]
        [InlineData(EncryptionUpdateMode.AddRecipient, "p256", ContentEncryptionAlgorithm.Aes256Cbc)]
        [InlineData(EncryptionUpdateMode.Reencrypt, "rsa3072", ContentEncryptionAlgorithm.Aes256Gcm)]
        [InlineData(EncryptionUpdateMode.Reencrypt, "p256", ContentEncryptionAlgorithm.Aes256Gcm)]
        [InlineData(EncryptionUpdateMode.Reencrypt, "p384", ContentEncryptionAlgorithm.Aes128Cbc)]
        public void OpenSslOpensTheRewrittenMessageWithTheNewKey(EncryptionUpdateMode mode, string newUser, ContentEncryptionAlgorithm algorithm)
        {
            ExternalTool.Require("openssl");
            var message = RewrittenArchiveMessage.Make(_fixture.Pki, _folder, mode, newUser, algorithm);

            var (exitCode, stderr, opened) = OpenSslDecrypt(message.MessagePath, newUser);
            Assert.True(exitCode == 0, $"openssl cms -decrypt with {newUser} failed ({exitCode}): {stderr}");
            Assert.Equal(message.Inner, opened);

            // The old key still opens what had a recipient added, and no longer what was re-encrypted without it.
            var (oldExit, oldError, oldOpened) = OpenSslDecrypt(message.MessagePath, RewrittenArchiveMessage.OldUser);
            if (mode == EncryptionUpdateMode.AddRecipient)
            {
                Assert.True(oldExit == 0, $"openssl cms -decrypt with the old key failed ({oldExit}): {oldError}");
                Assert.Equal(message.Inner, oldOpened);
            }
            else
            {
                Assert.True(oldExit != 0, "openssl opened the re-encrypted message with the removed recipient's key.");
            }
        }

        private (int ExitCode, string StdErr, byte[] Opened) OpenSslDecrypt(string message, string user)
        {
            var recipient = _fixture.Pki.Users[user];
            string decrypted = Path.Combine(_folder, "decrypted.bin");
            File.Delete(decrypted);
            var (exitCode, _, stderr) = ExternalTool.Run("openssl", new[]
            {
                "cms", "-decrypt", "-binary", "-in", message, "-recip", recipient.CertificatePath, "-inkey", recipient.PrivateKeyPath, "-out", decrypted,
            });
            return (exitCode, stderr, File.Exists(decrypted) ? File.ReadAllBytes(decrypted) : System.Array.Empty<byte>());
        }
    }
}
