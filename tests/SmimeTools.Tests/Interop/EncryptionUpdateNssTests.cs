using System;
using System.IO;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// Archived messages moved to new keys by the update job, opened by NSS <c>cmsutil</c> (the library inside Thunderbird)
    /// from a throw-away database holding the new key. NSS 3.87 reads RSA key transport with CBC ciphers only (see
    /// <see cref="EnvelopingNssTests"/>); a message that also has an ECDH recipient it does not decode at all.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EncryptionUpdateNssTests : IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly string _folder = EnvelopingInterop.NewFolder("nss-update");

        public EncryptionUpdateNssTests(TestPkiFixture fixture) => _fixture = fixture;

        public void Dispose() => EnvelopingInterop.DeleteFolder(_folder);

        [SkippableTheory]
        [InlineData(EncryptionUpdateMode.AddRecipient, ContentEncryptionAlgorithm.Aes256Cbc)]
        [InlineData(EncryptionUpdateMode.Reencrypt, ContentEncryptionAlgorithm.Aes256Cbc)]
        [InlineData(EncryptionUpdateMode.Reencrypt, ContentEncryptionAlgorithm.Aes128Cbc)]
        public void NssOpensTheRewrittenMessageWithTheNewRsaKey(EncryptionUpdateMode mode, ContentEncryptionAlgorithm algorithm)
        {
            using var nss = DatabaseOf("rsa3072");
            var message = RewrittenArchiveMessage.Make(_fixture.Pki, _folder, mode, "rsa3072", algorithm);
            var (exitCode, stderr, opened) = NssDecrypt(nss, message.EnvelopePath);
            Assert.True(exitCode == 0, $"cmsutil -D with the new key failed ({exitCode}): {stderr}");
            Assert.Equal(message.Inner, opened);
        }

        [SkippableFact]
        public void NssStillOpensWithTheOldKeyWhatHadAnRsaRecipientAdded()
        {
            using var nss = DatabaseOf(RewrittenArchiveMessage.OldUser);
            var message = RewrittenArchiveMessage.Make(_fixture.Pki, _folder, EncryptionUpdateMode.AddRecipient, "rsa3072");
            var (exitCode, stderr, opened) = NssDecrypt(nss, message.EnvelopePath);
            Assert.True(exitCode == 0, $"cmsutil -D with the old key failed ({exitCode}): {stderr}");
            Assert.Equal(message.Inner, opened);
        }

        /// <summary>
        /// Pinned: NSS 3.87 does not decode a KeyAgreeRecipientInfo, so a message with an EC recipient is refused whole, even by
        /// the holder of the old RSA key whose KeyTransRecipientInfo is still in it. Adding an EC recipient to an archive thus
        /// shuts out Thunderbird users of that NSS; an NSS that learns ECDH in CMS fails this test and the cases move up.
        /// </summary>
        [SkippableTheory]
        [InlineData(EncryptionUpdateMode.AddRecipient, "rsa2048")]
        [InlineData(EncryptionUpdateMode.AddRecipient, "p256")]
        [InlineData(EncryptionUpdateMode.Reencrypt, "p256")]
        public void NssRefusesAMessageWithAnEcRecipient(EncryptionUpdateMode mode, string holder)
        {
            using var nss = DatabaseOf(holder);
            var message = RewrittenArchiveMessage.Make(_fixture.Pki, _folder, mode, "p256");
            var (exitCode, stderr, opened) = NssDecrypt(nss, message.EnvelopePath);
            Assert.True(exitCode != 0, $"cmsutil opened a message with an EC recipient, holding {holder}'s key: move this case up.");
            Assert.Contains("SEC_ERROR_BAD_DER", stderr, StringComparison.Ordinal);
            Assert.NotEqual(message.Inner, opened);
        }

        /// <summary>A new NSS database holding the user's PKCS#12 (certificate and key), as Thunderbird's profile would.</summary>
        private NssDatabase DatabaseOf(string user)
        {
            var nss = new NssDatabase();
            nss.ImportPkcs12(_fixture.Pki.Users[user].Pkcs12Path, _fixture.Pki.Password);
            return nss;
        }

        private (int ExitCode, string StdErr, byte[] Opened) NssDecrypt(NssDatabase nss, string envelope)
        {
            string decrypted = Path.Combine(_folder, "decrypted.bin");
            File.Delete(decrypted);
            var (exitCode, _, stderr) = nss.Cmsutil("-D", "-i", envelope, "-o", decrypted);
            return (exitCode, stderr, File.Exists(decrypted) ? File.ReadAllBytes(decrypted) : Array.Empty<byte>());
        }
    }
}
