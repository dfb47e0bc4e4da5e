using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Interop;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Cms
{
    /// <summary>
    /// Messages made by <c>openssl cms -encrypt</c> (DER, and BER with <c>-stream</c>) given to another recipient, then
    /// opened by <c>openssl cms -decrypt</c> with the new key and with the old. Skipped visibly when openssl is not installed.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnvelopedDataRewriterOpenSslTests : IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly string _folder = EnvelopingInterop.NewFolder("openssl-rewrite");

        public EnvelopedDataRewriterOpenSslTests(TestPkiFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> OpenSslMessages() => new[]
        {
            // cipher, old recipient, new recipient, -stream (BER, constructed OCTET STRING), new key's RSA key encryption
            new object[] { "-aes-256-cbc", "rsa2048", "p256", false, KeyEncryptionAlgorithm.RsaPkcs1 },
            new object[] { "-aes-256-cbc", "rsa2048", "p384", true, KeyEncryptionAlgorithm.RsaPkcs1 },
            new object[] { "-aes-128-cbc", "p256", "rsa3072", true, KeyEncryptionAlgorithm.RsaOaepSha256 },
            new object[] { "-aes-256-gcm", "p256", "rsa2048", false, KeyEncryptionAlgorithm.RsaPkcs1 },
            new object[] { "-aes-256-gcm", "rsa3072", "p521", true, KeyEncryptionAlgorithm.RsaPkcs1 },
            new object[] { "-aes-128-gcm", "p384", "rsa2048", true, KeyEncryptionAlgorithm.RsaOaepSha256 },
        };

        [SkippableTheory]
        [MemberData(nameof(OpenSslMessages))]
        public void OpenSslOpensAnOpenSslMessageWithTheAddedKey(string cipher, string oldUser, string newUser, bool stream, KeyEncryptionAlgorithm keyEncryption)
        {
            ExternalTool.Require("openssl");

            var oldRecipient = _fixture.Pki.Users[oldUser];
            var newRecipient = _fixture.Pki.Users[newUser];
            var plaintext = RandomNumberGenerator.GetBytes(300_000);
            string plain = Path.Combine(_folder, "plain.bin");
            string original = Path.Combine(_folder, "original.p7m");
            string rewritten = Path.Combine(_folder, "rewritten.p7m");
            File.WriteAllBytes(plain, plaintext);
            var encrypt = new List<string> { "cms", "-encrypt", "-binary", "-in", plain, "-outform", "DER", "-out", original, cipher };
            if (stream)
            {
                encrypt.Add("-stream");
            }

            // Recipient certificates are positional: they end the options.
            encrypt.Add(oldRecipient.CertificatePath);

            var (exitCode, _, stderr) = ExternalTool.Run("openssl", encrypt);
            Assert.True(exitCode == 0, $"openssl cms -encrypt failed ({exitCode}): {stderr}");
            byte[] message = File.ReadAllBytes(original);

            // -stream really makes BER here: an indefinite-length ContentInfo (30 80).
            Assert.Equal(stream, message[1] == 0x80);

            using var oldKey = EnvelopedTestSupport.KeyOf(_fixture.Pki, oldUser);
            using var newCertificate = newRecipient.GetCertificate();
            RecipientAdditionResult result;
            using (var input = File.OpenRead(original))
            using (var output = File.Create(rewritten))
            {
                result = EnvelopedDataRewriter.AddRecipients(input, output, new IKeyDecryptor[] { oldKey },
                    new EncryptionOptions { Recipients = new[] { newCertificate }, KeyEncryption = keyEncryption });
            }

            Assert.Equal(AlgorithmPolicy.IsAuthenticated(result.ContentAlgorithm), cipher.EndsWith("gcm", StringComparison.Ordinal));
            Assert.Single(result.Added);
            using (var file = File.OpenRead(original))
            {
                Assert.Equal(EnvelopedDataRewriter.DigestEncryptedContent(file), result.EncryptedContentDigest);
            }

            foreach (var recipient in new[] { newRecipient, oldRecipient })
            {
                string decrypted = Path.Combine(_folder, "decrypted.bin");
                var (decryptExit, _, decryptError) = ExternalTool.Run("openssl", new[]
                {
                    "cms", "-decrypt", "-binary", "-inform", "DER", "-in", rewritten, "-recip", recipient.CertificatePath, "-inkey", recipient.PrivateKeyPath, "-out", decrypted,
                });
                Assert.True(decryptExit == 0, $"openssl cms -decrypt with {recipient.Name} failed ({decryptExit}): {decryptError}");
                Assert.Equal(plaintext, File.ReadAllBytes(decrypted));
            }
        }

        public void Dispose() => EnvelopingInterop.DeleteFolder(_folder);
    }
}
