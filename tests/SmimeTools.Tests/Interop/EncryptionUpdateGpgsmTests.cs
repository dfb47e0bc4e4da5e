using System;
using System.IO;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// Archived messages moved to new keys by the update job, opened by GnuPG's <c>gpgsm</c> holding the new key. gpgsm 2.2
    /// imports only OpenSSL's -legacy PKCS#12 and reads RSA key transport with AES-CBC (see <see cref="EnvelopingGpgsmTests"/>).
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EncryptionUpdateGpgsmTests : IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly string _folder = EnvelopingInterop.NewFolder("gpgsm-update");

        public EncryptionUpdateGpgsmTests(TestPkiFixture fixture) => _fixture = fixture;

        public void Dispose() => EnvelopingInterop.DeleteFolder(_folder);

        [SkippableTheory]
        [InlineData(EncryptionUpdateMode.AddRecipient)]
        [InlineData(EncryptionUpdateMode.Reencrypt)]
        public void GpgsmOpensTheRewrittenMessageWithTheNewRsaKey(EncryptionUpdateMode mode) => OpensWithNewKey(mode, "rsa3072");

        /// <summary>gpgsm 2.2.40 crashes importing EC keys (DESIGN §7), so an EC new recipient is tried only with another gpgsm.</summary>
        [SkippableTheory]
        [InlineData(EncryptionUpdateMode.AddRecipient)]
        [InlineData(EncryptionUpdateMode.Reencrypt)]
        public void GpgsmOpensTheRewrittenMessageWithTheNewEcKey(EncryptionUpdateMode mode)
        {
            ExternalTool.Require("gpgsm");
            var version = ExternalTool.Run("gpgsm", new[] { "--version" }).StdOut.Split('\n')[0].Trim();
            Skip.If(version.Contains(" 2.2.", StringComparison.Ordinal),
                $"{version} cannot import an EC identity (gpgsm 2.2.40 crashes on it, DESIGN §7), so it cannot open a message with an EC new recipient here.");
            OpensWithNewKey(mode, "p256");
        }

        private void OpensWithNewKey(EncryptionUpdateMode mode, string newUser)
        {
            ExternalTool.Require("openssl");
            using var gpgsm = new GpgsmHome();
            ImportIdentity(gpgsm, newUser);
            var message = RewrittenArchiveMessage.Make(_fixture.Pki, _folder, mode, newUser);

            string decrypted = Path.Combine(_folder, "decrypted.bin");
            var (exitCode, status, stderr) = gpgsm.RunWithPassphrase(_fixture.Pki.Password, "--status-fd", "1", "--decrypt", "--output", decrypted, message.EnvelopePath);
            // gpgsm 2.2 exits 2 when it cannot open the key of another recipient (the old one, after AddRecipient) even though it
            // then decrypted with the next: its status line DECRYPTION_OKAY is what says it opened the message.
            var allowed = mode == EncryptionUpdateMode.AddRecipient ? new[] { 0, 2 } : new[] { 0 };
            Assert.True(Array.IndexOf(allowed, exitCode) >= 0 && status.Contains("[GNUPG:] DECRYPTION_OKAY", StringComparison.Ordinal),
                $"gpgsm --decrypt with {newUser} failed ({exitCode}): {status} {stderr}");
            Assert.Equal(message.Inner, File.ReadAllBytes(decrypted));
        }

        /// <summary>Imports the user's key and certificate through an OpenSSL <c>-legacy</c> PKCS#12 copy (DESIGN §7).</summary>
        private void ImportIdentity(GpgsmHome gpgsm, string user)
        {
            var recipient = _fixture.Pki.Users[user];
            string legacy = Path.Combine(_folder, user + "-legacy.p12");
            var (exported, _, exportError) = ExternalTool.Run("openssl", new[]
            {
                "pkcs12", "-export", "-legacy", "-in", recipient.CertificatePath, "-inkey", recipient.PrivateKeyPath, "-out", legacy,
                "-passout", "pass:" + _fixture.Pki.Password,
            });
            Assert.True(exported == 0, $"openssl pkcs12 -export -legacy failed: {exportError}");
            gpgsm.ImportPkcs12(legacy, _fixture.Pki.Password);
        }
    }
}
