using System;
using System.IO;
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
    /// EnvelopedData against NSS (the library inside Thunderbird) through <c>cmsutil</c>, with a throw-away NSS database
    /// per test. NSS 3.87 reads RSA PKCS#1 v1.5 key transport with CBC ciphers; it refuses AuthEnvelopedData, RSA-OAEP
    /// and ECDH key agreement in CMS.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnvelopingNssTests : IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly ITestOutputHelper _output;
        private readonly string _folder = EnvelopingInterop.NewFolder("nss");

        public EnvelopingNssTests(TestPkiFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        [SkippableTheory]
        [InlineData(ContentEncryptionAlgorithm.Aes128Cbc, "rsa2048")]
        [InlineData(ContentEncryptionAlgorithm.Aes192Cbc, "rsa2048")]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, "rsa2048")]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, "rsa3072")]
        [InlineData(ContentEncryptionAlgorithm.TripleDesCbc, "rsa3072")]
        [InlineData(ContentEncryptionAlgorithm.Rc2Cbc, "rsa2048")]
        public void NssDecryptsWhatWeEncrypt(ContentEncryptionAlgorithm algorithm, string user)
        {
            using var nss = DatabaseOf(user);
            var plaintext = RandomNumberGenerator.GetBytes(100_000);
            var (exitCode, stderr, decrypted) = NssDecrypt(nss, EncryptTo(user, plaintext, algorithm, KeyEncryptionAlgorithm.RsaPkcs1));
            Assert.True(exitCode == 0, $"cmsutil -D failed ({exitCode}): {stderr}");
            Assert.Equal(plaintext, decrypted);
        }

        /// <summary>
        /// Pinned with the NSS error for each, so that an NSS which learns one, or a change in what we write, shows here.
        /// NSS 3.87 does not know the AuthEnvelopedData content type, has no RSA-OAEP, and its KeyAgreeRecipientInfo
        /// template does not parse an ECDH recipient (BouncyCastle and openssl read the same message).
        /// </summary>
        [SkippableTheory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm, "rsa2048", KeyEncryptionAlgorithm.RsaPkcs1, "SEC_ERROR_UNRECOGNIZED_OID")]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, "rsa2048", KeyEncryptionAlgorithm.RsaOaepSha256, "SEC_ERROR_UNSUPPORTED_KEYALG")]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, "p256", KeyEncryptionAlgorithm.RsaPkcs1, "SEC_ERROR_BAD_DER")]
        public void NssRefusesWhatItCannotRead(ContentEncryptionAlgorithm algorithm, string user, KeyEncryptionAlgorithm keyEncryption, string nssError)
        {
            using var nss = DatabaseOf(user);
            var plaintext = RandomNumberGenerator.GetBytes(1000);
            var (exitCode, stderr, decrypted) = NssDecrypt(nss, EncryptTo(user, plaintext, algorithm, keyEncryption));
            Assert.True(exitCode != 0, $"cmsutil read {algorithm} / {keyEncryption} to {user}.");
            Assert.Contains(nssError, stderr, StringComparison.Ordinal);
            Assert.False(plaintext.AsSpan().SequenceEqual(decrypted));
        }

        [SkippableFact]
        public void WeDecryptWhatNssEncrypts()
        {
            using var nss = DatabaseOf("rsa2048");
            nss.AddCertificate("rsa3072", _fixture.Pki.Users["rsa3072"].CertificatePath);
            var plaintext = RandomNumberGenerator.GetBytes(100_000);
            string input = Path.Combine(_folder, "plain.bin");
            string message = Path.Combine(_folder, "message.p7m");
            File.WriteAllBytes(input, plaintext);
            var (exitCode, _, stderr) = nss.Cmsutil("-E", "-r", "rsa2048,rsa3072", "-i", input, "-o", message);
            Assert.True(exitCode == 0, $"cmsutil -E failed ({exitCode}): {stderr}");

            foreach (string user in new[] { "rsa2048", "rsa3072" })
            {
                using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, user);
                var (decrypted, result) = EnvelopedTestSupport.Decrypt(File.ReadAllBytes(message), key);
                Assert.Equal(plaintext, decrypted);
                Assert.Equal(2, result.Recipients.Count);
                _output.WriteLine($"NSS wrote {result.ContentAlgorithmName}; opened by {result.OpenedBy}");
            }
        }

        public void Dispose() => EnvelopingInterop.DeleteFolder(_folder);

        /// <summary>A new NSS database holding the user's PKCS#12 (certificate and key).</summary>
        private NssDatabase DatabaseOf(string user)
        {
            var nss = new NssDatabase();
            nss.ImportPkcs12(_fixture.Pki.Users[user].Pkcs12Path, _fixture.Pki.Password);
            return nss;
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

        private (int ExitCode, string StdErr, byte[] Decrypted) NssDecrypt(NssDatabase nss, string message)
        {
            string decrypted = Path.Combine(_folder, "decrypted.bin");
            File.Delete(decrypted);
            var (exitCode, _, stderr) = nss.Cmsutil("-D", "-i", message, "-o", decrypted);
            return (exitCode, stderr, File.Exists(decrypted) ? File.ReadAllBytes(decrypted) : Array.Empty<byte>());
        }
    }
}
