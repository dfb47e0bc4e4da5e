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
    /// EnvelopedData against GnuPG's <c>gpgsm</c> with a throw-away GNUPGHOME per test. gpgsm 2.2 imports only OpenSSL's
    /// <c>-legacy</c> PKCS#12 (DESIGN §7), so each test makes one; it reads RSA PKCS#1 v1.5 key transport with AES-CBC and
    /// 3DES. RSA-OAEP, AES-GCM and RC2 are recorded, not asserted; importing EC keys crashes gpgsm 2.2.40.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnvelopingGpgsmTests : IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly ITestOutputHelper _output;
        private readonly string _folder = EnvelopingInterop.NewFolder("gpgsm");

        public EnvelopingGpgsmTests(TestPkiFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        [SkippableFact]
        public void GpgsmDecryptsWhatWeEncrypt()
        {
            ExternalTool.Require("openssl");

            // One GNUPGHOME for all cases: importing into gpgsm is the slow part.
            using var gpgsm = new GpgsmHome();
            ImportIdentity(gpgsm, "rsa2048");
            ImportIdentity(gpgsm, "rsa3072");
            var supported = new (ContentEncryptionAlgorithm Algorithm, string User)[]
            {
                (ContentEncryptionAlgorithm.Aes128Cbc, "rsa2048"),
                (ContentEncryptionAlgorithm.Aes192Cbc, "rsa2048"),
                (ContentEncryptionAlgorithm.Aes256Cbc, "rsa2048"),
                (ContentEncryptionAlgorithm.Aes256Cbc, "rsa3072"),
                (ContentEncryptionAlgorithm.TripleDesCbc, "rsa3072"),
            };
            var failures = new List<string>();
            foreach (var (algorithm, user) in supported)
            {
                var plaintext = RandomNumberGenerator.GetBytes(100_000);
                var (exitCode, stderr, decrypted) = GpgsmDecrypt(gpgsm, EncryptTo(user, plaintext, algorithm, KeyEncryptionAlgorithm.RsaPkcs1));
                if (exitCode != 0 || !plaintext.AsSpan().SequenceEqual(decrypted))
                {
                    failures.Add($"{algorithm} to {user}: exit {exitCode}: {stderr}");
                }
            }

            Assert.True(failures.Count == 0, string.Join("\n", failures));

            // Recorded, not asserted: what gpgsm 2.2 does not read.
            var unsupported = new (ContentEncryptionAlgorithm Algorithm, KeyEncryptionAlgorithm KeyEncryption)[]
            {
                (ContentEncryptionAlgorithm.Aes256Gcm, KeyEncryptionAlgorithm.RsaPkcs1),
                (ContentEncryptionAlgorithm.Aes256Cbc, KeyEncryptionAlgorithm.RsaOaepSha256),
                (ContentEncryptionAlgorithm.Rc2Cbc, KeyEncryptionAlgorithm.RsaPkcs1),
            };
            foreach (var (algorithm, keyEncryption) in unsupported)
            {
                var plaintext = RandomNumberGenerator.GetBytes(1000);
                var (exitCode, stderr, decrypted) = GpgsmDecrypt(gpgsm, EncryptTo("rsa2048", plaintext, algorithm, keyEncryption));
                bool worked = exitCode == 0 && plaintext.AsSpan().SequenceEqual(decrypted);
                string reason = stderr.Split('\n').LastOrDefault(l => l.Contains("gpgsm:", StringComparison.Ordinal)) ?? stderr;
                _output.WriteLine($"gpgsm, {algorithm} / {keyEncryption}: {(worked ? "decrypted" : "refused: " + reason.Trim())}");
            }
        }

        [SkippableFact]
        public void WeDecryptWhatGpgsmEncrypts()
        {
            // gpgsm validates the recipient's chain before encrypting: give it the CAs, trust the root, no CRLs.
            var pki = _fixture.Pki;
            using var gpgsm = new GpgsmHome();
            gpgsm.ImportCertificates(pki.Intermediate.CertificatePath, pki.Root.CertificatePath, pki.Users["rsa2048"].CertificatePath, pki.Users["rsa3072"].CertificatePath);
            gpgsm.TrustRoot(pki.Root.CertificateDerPath);

            foreach (var (cipher, expected) in new (string? Cipher, ContentEncryptionAlgorithm Expected)[]
            {
                (null, ContentEncryptionAlgorithm.Aes128Cbc),
                ("AES256", ContentEncryptionAlgorithm.Aes256Cbc),
                ("3DES", ContentEncryptionAlgorithm.TripleDesCbc),
            })
            {
                var plaintext = RandomNumberGenerator.GetBytes(100_000);
                string input = Path.Combine(_folder, "plain.bin");
                string message = Path.Combine(_folder, "message.p7m");
                File.WriteAllBytes(input, plaintext);
                File.Delete(message);
                var args = new List<string> { "--disable-crl-checks", "--encrypt", "--output", message };
                if (cipher != null)
                {
                    args.AddRange(new[] { "--cipher-algo", cipher });
                }

                args.AddRange(new[] { "-r", "0x" + pki.Users["rsa2048"].Thumbprint, "-r", "0x" + pki.Users["rsa3072"].Thumbprint, input });
                var (exitCode, _, stderr) = gpgsm.Run(args.ToArray());
                Assert.True(exitCode == 0, $"gpgsm --encrypt {cipher} failed ({exitCode}): {stderr}");

                foreach (string user in new[] { "rsa2048", "rsa3072" })
                {
                    using var key = EnvelopedTestSupport.KeyOf(pki, user);
                    var (decrypted, result) = EnvelopedTestSupport.Decrypt(File.ReadAllBytes(message), key);
                    Assert.Equal(plaintext, decrypted);
                    Assert.Equal(expected, result.ContentAlgorithm);
                }
            }
        }

        public void Dispose() => EnvelopingInterop.DeleteFolder(_folder);

        /// <summary>Imports the user's key and certificate through an OpenSSL <c>-legacy</c> PKCS#12 copy.</summary>
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

        private string EncryptTo(string user, byte[] plaintext, ContentEncryptionAlgorithm algorithm, KeyEncryptionAlgorithm keyEncryption)
        {
            string message = Path.Combine(_folder, "message.p7m");
            using var certificate = _fixture.Pki.Users[user].GetCertificate();
            File.WriteAllBytes(message, EnvelopedTestSupport.Encrypt(plaintext, new EncryptionOptions
            {
                Recipients = new[] { certificate },
                ContentEncryption = algorithm,
                KeyEncryption = keyEncryption,
            }));
            return message;
        }

        private (int ExitCode, string StdErr, byte[] Decrypted) GpgsmDecrypt(GpgsmHome gpgsm, string message)
        {
            string decrypted = Path.Combine(_folder, "decrypted.bin");
            File.Delete(decrypted);
            var (exitCode, _, stderr) = gpgsm.RunWithPassphrase(_fixture.Pki.Password, "--decrypt", "--output", decrypted, message);
            return (exitCode, stderr, File.Exists(decrypted) ? File.ReadAllBytes(decrypted) : Array.Empty<byte>());
        }
    }
}
