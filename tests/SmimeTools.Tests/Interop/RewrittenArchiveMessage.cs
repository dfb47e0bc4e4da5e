using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Cms;
using Xunit;
using Pki = SmimeTools.TestPki.TestPki;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// An archived message encrypted to rsa2048 and moved to a new recipient by the real update job, for the peers to open:
    /// the rewritten .eml, its envelope as DER (NSS and gpgsm read bare CMS), and the inner entity it held before the update.
    /// </summary>
    internal sealed record RewrittenArchiveMessage(string MessagePath, string EnvelopePath, byte[] Inner)
    {
        public const string OldUser = "rsa2048";

        /// <summary>
        /// Writes a signed-free multipart message with a 40 KB attachment encrypted to <see cref="OldUser"/>, then updates it:
        /// AddRecipient adds <paramref name="newUser"/>; Reencrypt uses a fresh key and <paramref name="algorithm"/> and removes the old recipient.
        /// </summary>
        public static RewrittenArchiveMessage Make(Pki pki, string folder, EncryptionUpdateMode mode, string newUser,
            ContentEncryptionAlgorithm algorithm = ContentEncryptionAlgorithm.Aes256Cbc)
        {
            var attachment = Convert.ToBase64String(RandomNumberGenerator.GetBytes(40_000), Base64FormattingOptions.InsertLineBreaks);
            var text = "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: archived\r\nMIME-Version: 1.0\r\n" +
                "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nArchived before the key rolled over.\r\n" +
                "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + attachment + "\r\n--b--\r\n";
            using var oldCertificate = pki.Users[OldUser].GetCertificate();
            using var newCertificate = pki.Users[newUser].GetCertificate();
            var protectedMessage = MessageProtector.Protect(MessageInput.FromText(text), new ProtectOptions { Recipients = new[] { oldCertificate } }, MessageOutput.ToMemory());
            var path = Path.Combine(folder, $"{mode}-{newUser}-{algorithm}.eml");
            File.WriteAllBytes(path, protectedMessage.Content!);

            using var oldKey = EnvelopedTestSupport.KeyOf(pki, OldUser);
            using var newKey = EnvelopedTestSupport.KeyOf(pki, newUser);
            var inner = EnvelopedTestSupport.Decrypt(EnvelopeOf(path), oldKey).Plaintext;
            using (var job = new EncryptionUpdateJob(new EncryptionUpdateOptions
            {
                OldKeys = new[] { oldKey },
                Recipients = new[] { newCertificate },
                CheckKeys = new[] { newKey },
                Mode = mode,
                ContentEncryption = algorithm,
                RemoveRecipients = mode == EncryptionUpdateMode.Reencrypt ? new[] { oldCertificate } : Array.Empty<System.Security.Cryptography.X509Certificates.X509Certificate2>(),
            }))
            {
                Assert.Equal(MessageUpdateState.Updated, job.UpdateFile(path).State);
            }

            var envelope = Path.ChangeExtension(path, ".p7m");
            File.WriteAllBytes(envelope, EnvelopeOf(path));
            return new RewrittenArchiveMessage(path, envelope, inner);
        }

        /// <summary>The base64 body of an application/pkcs7-mime message, decoded.</summary>
        private static byte[] EnvelopeOf(string path)
        {
            var text = Encoding.ASCII.GetString(File.ReadAllBytes(path));
            return Convert.FromBase64String(text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        }
    }
}
