using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;
using Xunit.Abstractions;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// EnvelopedData and AuthEnvelopedData against OpenSSL 3 <c>openssl cms</c>, both directions. Skipped visibly when
    /// openssl is not installed.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnvelopingOpenSslTests : IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly ITestOutputHelper _output;
        private readonly string _folder = EnvelopingInterop.NewFolder("openssl");

        public EnvelopingOpenSslTests(TestPkiFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        public static IEnumerable<object[]> WhatOpenSslReads()
        {
            var algorithms = new[]
            {
                ContentEncryptionAlgorithm.Aes128Cbc, ContentEncryptionAlgorithm.Aes192Cbc, ContentEncryptionAlgorithm.Aes256Cbc,
                ContentEncryptionAlgorithm.Aes128Gcm, ContentEncryptionAlgorithm.Aes192Gcm, ContentEncryptionAlgorithm.Aes256Gcm,
                ContentEncryptionAlgorithm.TripleDesCbc, ContentEncryptionAlgorithm.Rc2Cbc, ContentEncryptionAlgorithm.DesCbc,
            };
            var recipients = new (string User, KeyEncryptionAlgorithm KeyEncryption)[]
            {
                ("rsa2048", KeyEncryptionAlgorithm.RsaPkcs1),
                ("rsa3072", KeyEncryptionAlgorithm.RsaOaepSha256),
                ("p256", KeyEncryptionAlgorithm.RsaPkcs1),
                ("p384", KeyEncryptionAlgorithm.RsaPkcs1),
                ("p521", KeyEncryptionAlgorithm.RsaPkcs1),
            };
            foreach (var algorithm in algorithms)
            {
                foreach (var (user, keyEncryption) in recipients)
                {
                    // DES keys are too short to AES-key-wrap, so DES goes to RSA recipients only.
                    if (algorithm != ContentEncryptionAlgorithm.DesCbc || user.StartsWith("rsa", StringComparison.Ordinal))
                    {
                        yield return new object[] { algorithm, user, keyEncryption };
                    }
                }
            }
        }

        [SkippableTheory]
        [MemberData(nameof(WhatOpenSslReads))]
        public void OpenSslDecryptsWhatWeEncrypt(ContentEncryptionAlgorithm algorithm, string user, KeyEncryptionAlgorithm keyEncryption)
        {
            ExternalTool.Require("openssl");

            var recipient = _fixture.Pki.Users[user];
            var plaintext = RandomNumberGenerator.GetBytes(100_000);
            string message = Path.Combine(_folder, "message.p7m");
            using (var certificate = recipient.GetCertificate())
            {
                File.WriteAllBytes(message, EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions
                {
                    Recipients = new[] { certificate },
                    ContentEncryption = algorithm,
                    KeyEncryption = keyEncryption,
                }));
            }

            string decrypted = Path.Combine(_folder, "decrypted.bin");
            var args = new List<string> { "cms", "-decrypt", "-binary", "-inform", "DER", "-in", message, "-inkey", recipient.PrivateKeyPath, "-recip", recipient.CertificatePath, "-out", decrypted };
            if (algorithm is ContentEncryptionAlgorithm.Rc2Cbc or ContentEncryptionAlgorithm.DesCbc)
            {
                // OpenSSL 3 keeps RC2 and single DES in its legacy provider.
                args.AddRange(new[] { "-provider", "legacy", "-provider", "default" });
            }

            var (exitCode, _, stderr) = ExternalTool.Run("openssl", args);
            Assert.True(exitCode == 0, $"openssl cms -decrypt failed ({exitCode}): {stderr}");
            Assert.Equal(plaintext, File.ReadAllBytes(decrypted));
        }

        /// <summary>OpenSSL 3.0 knows neither ChaCha20-Poly1305 in CMS nor X25519 key agreement; with a newer one this case moves up.</summary>
        [SkippableTheory]
        [InlineData(ContentEncryptionAlgorithm.ChaCha20Poly1305, "rsa2048")]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, "x25519")]
        public void OpenSsl30RefusesWhatItCannotRead(ContentEncryptionAlgorithm algorithm, string user)
        {
            ExternalTool.Require("openssl");
            string version = ExternalTool.Run("openssl", new[] { "version" }).StdOut.Trim();
            Skip.IfNot(version.StartsWith("OpenSSL 3.0", StringComparison.Ordinal), $"{version} is not OpenSSL 3.0, whose refusal this pins: see whether it reads {algorithm} to {user} and move the case to OpenSslDecryptsWhatWeEncrypt.");

            var recipient = _fixture.Pki.Users[user];
            var plaintext = RandomNumberGenerator.GetBytes(100);
            string message = Path.Combine(_folder, "message.p7m");
            using (var certificate = recipient.GetCertificate())
            {
                File.WriteAllBytes(message, EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions { Recipients = new[] { certificate }, ContentEncryption = algorithm }));
            }

            string decrypted = Path.Combine(_folder, "decrypted.bin");
            var (exitCode, _, stderr) = ExternalTool.Run("openssl", new[]
            {
                "cms", "-decrypt", "-binary", "-inform", "DER", "-in", message, "-inkey", recipient.PrivateKeyPath, "-recip", recipient.CertificatePath, "-out", decrypted,
            });
            Assert.True(exitCode != 0, $"{version} read {algorithm} to {user}.");
            Assert.False(File.Exists(decrypted) && plaintext.AsSpan().SequenceEqual(File.ReadAllBytes(decrypted)), stderr);
        }

        public static IEnumerable<object[]> WhatOpenSslWrites() => new[]
        {
            // cipher option, recipient, extra options, expected algorithm
            new object[] { "-aes-128-cbc", "rsa2048", "", ContentEncryptionAlgorithm.Aes128Cbc },
            new object[] { "-aes-256-cbc", "rsa2048", "", ContentEncryptionAlgorithm.Aes256Cbc },
            new object[] { "-aes-256-cbc", "rsa3072", "oaep", ContentEncryptionAlgorithm.Aes256Cbc },
            new object[] { "-aes-128-cbc", "rsa2048", "oaep-sha1", ContentEncryptionAlgorithm.Aes128Cbc },
            new object[] { "-aes-256-gcm", "rsa2048", "", ContentEncryptionAlgorithm.Aes256Gcm },
            new object[] { "-aes-128-gcm", "rsa3072", "oaep", ContentEncryptionAlgorithm.Aes128Gcm },
            new object[] { "-des3", "rsa2048", "", ContentEncryptionAlgorithm.TripleDesCbc },
            new object[] { "-aes-128-cbc", "p256", "", ContentEncryptionAlgorithm.Aes128Cbc },
            new object[] { "-aes-256-cbc", "p256", "ecdh-sha256", ContentEncryptionAlgorithm.Aes256Cbc },
            new object[] { "-aes-256-gcm", "p256", "", ContentEncryptionAlgorithm.Aes256Gcm },
            new object[] { "-aes-256-cbc", "p384", "", ContentEncryptionAlgorithm.Aes256Cbc },
            new object[] { "-aes-128-gcm", "p384", "ecdh-sha384", ContentEncryptionAlgorithm.Aes128Gcm },
            new object[] { "-des3", "p384", "", ContentEncryptionAlgorithm.TripleDesCbc },
            new object[] { "-aes-256-cbc", "p521", "ecdh-sha512", ContentEncryptionAlgorithm.Aes256Cbc },
            new object[] { "-aes-256-cbc", "rsa2048", "stream", ContentEncryptionAlgorithm.Aes256Cbc },
            new object[] { "-aes-256-gcm", "p256", "stream", ContentEncryptionAlgorithm.Aes256Gcm },
            new object[] { "-rc2-40-cbc", "rsa2048", "legacy", ContentEncryptionAlgorithm.Rc2Cbc },
            new object[] { "-rc2-64-cbc", "rsa2048", "legacy", ContentEncryptionAlgorithm.Rc2Cbc },
            new object[] { "-rc2-cbc", "p256", "legacy", ContentEncryptionAlgorithm.Rc2Cbc },
            new object[] { "-des", "rsa2048", "legacy", ContentEncryptionAlgorithm.DesCbc },
        };

        [SkippableTheory]
        [MemberData(nameof(WhatOpenSslWrites))]
        public void WeDecryptWhatOpenSslEncrypts(string cipher, string user, string extra, ContentEncryptionAlgorithm expected)
        {
            ExternalTool.Require("openssl");

            var recipient = _fixture.Pki.Users[user];
            var plaintext = RandomNumberGenerator.GetBytes(100_000);
            string input = Path.Combine(_folder, "plain.bin");
            string message = Path.Combine(_folder, "message.p7m");
            File.WriteAllBytes(input, plaintext);
            var args = new List<string> { "cms", "-encrypt", "-binary", "-in", input, "-outform", "DER", "-out", message, cipher, "-recip", recipient.CertificatePath };
            switch (extra)
            {
                case "oaep":
                    args.AddRange(new[] { "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256" });
                    break;
                case "oaep-sha1":
                    args.AddRange(new[] { "-keyopt", "rsa_padding_mode:oaep" });
                    break;
                case "ecdh-sha256":
                    args.AddRange(new[] { "-keyopt", "ecdh_kdf_md:sha256" });
                    break;
                case "ecdh-sha384":
                    args.AddRange(new[] { "-keyopt", "ecdh_kdf_md:sha384" });
                    break;
                case "ecdh-sha512":
                    args.AddRange(new[] { "-keyopt", "ecdh_kdf_md:sha512" });
                    break;
                case "stream":
                    args.Add("-stream");
                    break;
                case "legacy":
                    args.AddRange(new[] { "-provider", "legacy", "-provider", "default" });
                    break;
            }

            var (exitCode, _, stderr) = ExternalTool.Run("openssl", args);
            Assert.True(exitCode == 0, $"openssl cms -encrypt failed ({exitCode}): {stderr}");

            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, user);
            var (decrypted, result) = EnvelopedTestSupport.Decrypt(File.ReadAllBytes(message), key);
            Assert.Equal(plaintext, decrypted);
            Assert.Equal(expected, result.ContentAlgorithm);
            _output.WriteLine($"openssl {cipher} {extra} to {user}: {result.ContentAlgorithmName}, {result.OpenedBy}");
        }

        [SkippableFact]
        public void EachRecipientOpensAnOpenSslMessageForSeveral()
        {
            ExternalTool.Require("openssl");

            string[] users = { "rsa2048", "rsa3072", "p256", "p384" };
            var plaintext = RandomNumberGenerator.GetBytes(70_000);
            string input = Path.Combine(_folder, "plain.bin");
            string message = Path.Combine(_folder, "message.p7m");
            File.WriteAllBytes(input, plaintext);
            var args = new List<string> { "cms", "-encrypt", "-binary", "-stream", "-in", input, "-outform", "DER", "-out", message, "-aes-256-gcm" };
            args.AddRange(users.Select(u => _fixture.Pki.Users[u].CertificatePath));
            var (exitCode, _, stderr) = ExternalTool.Run("openssl", args);
            Assert.True(exitCode == 0, $"openssl cms -encrypt failed ({exitCode}): {stderr}");

            foreach (string user in users)
            {
                using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, user);
                var (decrypted, result) = EnvelopedTestSupport.Decrypt(File.ReadAllBytes(message), key);
                Assert.Equal(plaintext, decrypted);
                Assert.Equal(users.Length, result.Recipients.Count);
            }
        }

        [SkippableFact]
        public void TamperedOpenSslDerMessagesAreRefused()
        {
            ExternalTool.Require("openssl");

            var recipient = _fixture.Pki.Users["rsa2048"];
            string input = Path.Combine(_folder, "plain.bin");
            string message = Path.Combine(_folder, "message.p7m");
            File.WriteAllBytes(input, RandomNumberGenerator.GetBytes(5000));
            var (exitCode, _, stderr) = ExternalTool.Run("openssl", new[]
            {
                "cms", "-encrypt", "-binary", "-in", input, "-outform", "DER", "-out", message, "-aes-256-gcm", recipient.CertificatePath,
            });
            Assert.True(exitCode == 0, stderr);
            byte[] der = File.ReadAllBytes(message);
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");

            // Definite-length DER: a truncated copy is malformed wherever it is cut; a flipped content byte fails the tag.
            foreach (int keep in new[] { der.Length - 1, der.Length - 17, der.Length / 2, 30 })
            {
                var error = Assert.ThrowsAny<SmimeTools.Engine.SmimeException>(() => EnvelopedTestSupport.Decrypt(der[..keep], key));
                Assert.Equal(SmimeTools.Engine.ErrorIds.MalformedMessage, error.ErrorId);
            }

            der[der.Length - 100] ^= 0x01;
            var tampered = Assert.ThrowsAny<SmimeTools.Engine.SmimeException>(() => EnvelopedTestSupport.Decrypt(der, key));
            Assert.Equal(SmimeTools.Engine.ErrorIds.DecryptionFailed, tampered.ErrorId);
        }

        public void Dispose() => EnvelopingInterop.DeleteFolder(_folder);
    }

    /// <summary>What the interop tests share: temporary folders and a visible skip when a peer is absent.</summary>
    internal static class EnvelopingInterop
    {
        public static string NewFolder(string peer)
        {
            string folder = Path.Combine(Path.GetTempPath(), $"smimetools-{peer}-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            return folder;
        }

        public static void DeleteFolder(string folder)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
