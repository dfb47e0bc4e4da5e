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

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// EnvelopedData against GnuPG's <c>gpgsm</c> with a throw-away GNUPGHOME per test. gpgsm 2.2 imports only OpenSSL's
    /// <c>-legacy</c> PKCS#12 (DESIGN §7), made here with openssl; it reads RSA PKCS#1 v1.5 key transport with AES-CBC and
    /// 3DES, and refuses RSA-OAEP, AES-GCM and RC2; importing EC keys crashes gpgsm 2.2.40.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnvelopingGpgsmTests : IDisposable, IClassFixture<ClassScoped<GpgsmHome>>
    {
        private readonly TestPkiFixture _fixture;
        private readonly ClassScoped<GpgsmHome> _home;
        private readonly string _folder = EnvelopingInterop.NewFolder("gpgsm");

        public EnvelopingGpgsmTests(TestPkiFixture fixture, ClassScoped<GpgsmHome> home)
        {
            _fixture = fixture;
            _home = home;
        }

        [SkippableFact]
        public void GpgsmDecryptsWhatWeEncrypt()
        {
            var gpgsm = HomeWithIdentities();
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
                var (exitCode, _, stderr, decrypted) = GpgsmDecrypt(gpgsm, EncryptTo(user, plaintext, algorithm, KeyEncryptionAlgorithm.RsaPkcs1));
                if (exitCode != 0 || !plaintext.AsSpan().SequenceEqual(decrypted))
                {
                    failures.Add($"{algorithm} to {user}: exit {exitCode}: {stderr}");
                }
            }

            Assert.True(failures.Count == 0, string.Join("\n", failures));

        }

        /// <summary>Pinned, so that a gpgsm which learns one of these, or a change in what we write, shows here.</summary>
        [SkippableTheory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm, KeyEncryptionAlgorithm.RsaPkcs1, "")]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, KeyEncryptionAlgorithm.RsaOaepSha256, "")]
        [InlineData(ContentEncryptionAlgorithm.Rc2Cbc, KeyEncryptionAlgorithm.RsaPkcs1, "[GNUPG:] ERROR decrypt.algorithm 50331732 1.2.840.113549.3.2")]
        public void GpgsmRefusesWhatItCannotRead(ContentEncryptionAlgorithm algorithm, KeyEncryptionAlgorithm keyEncryption, string expectedStatus)
        {
            var gpgsm = HomeWithIdentities();
            var plaintext = RandomNumberGenerator.GetBytes(1000);
            var (exitCode, status, stderr, decrypted) = GpgsmDecrypt(gpgsm, EncryptTo("rsa2048", plaintext, algorithm, keyEncryption));
            Assert.True(exitCode != 0 && status.Contains("[GNUPG:] DECRYPTION_FAILED", StringComparison.Ordinal), $"gpgsm read {algorithm} / {keyEncryption} ({exitCode}): {status} {stderr}");
            Assert.Contains(expectedStatus, status, StringComparison.Ordinal);
            Assert.False(plaintext.AsSpan().SequenceEqual(decrypted));
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

        /// <summary>The class's GnuPG home holding the rsa2048 and rsa3072 identities (importing into gpgsm is the slow part).</summary>
        private GpgsmHome HomeWithIdentities()
        {
            ExternalTool.Require("openssl");
            return _home.Get(() =>
            {
                var gpgsm = new GpgsmHome();
                ImportIdentity(gpgsm, "rsa2048");
                ImportIdentity(gpgsm, "rsa3072");
                return gpgsm;
            });
        }

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

        /// <summary>Decrypts with gpgsm; its status lines (<c>--status-fd</c>) are the machine-readable outcome.</summary>
        private (int ExitCode, string Status, string StdErr, byte[] Decrypted) GpgsmDecrypt(GpgsmHome gpgsm, string message)
        {
            string decrypted = Path.Combine(_folder, "decrypted.bin");
            File.Delete(decrypted);
            var (exitCode, status, stderr) = gpgsm.RunWithPassphrase(_fixture.Pki.Password, "--status-fd", "1", "--decrypt", "--output", decrypted, message);
            return (exitCode, status, stderr, File.Exists(decrypted) ? File.ReadAllBytes(decrypted) : Array.Empty<byte>());
        }
    }
}
