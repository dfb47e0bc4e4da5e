using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using Xunit;
using Xunit.Abstractions;

namespace SmimeTools.Tests.Cms
{
    /// <summary>
    /// Encrypted samples of the shared corpora (RFC 4134, the RFC 9216 examples, OpenSSL's test data), decrypted with the
    /// keys published beside them. Read in place from SMIMETOOLS_CORPORA or ../shared/corpora; skipped visibly when absent.
    /// </summary>
    public sealed class EnvelopedDataCorpusTests : IDisposable
    {
        private const string SampleContent = "This is some sample content.";

        private readonly ITestOutputHelper _output;
        private readonly string _temp = Path.Combine(Path.GetTempPath(), "smimetools-corpus-keys-" + Guid.NewGuid().ToString("N"));

        public EnvelopedDataCorpusTests(ITestOutputHelper output)
        {
            _output = output;
            Directory.CreateDirectory(_temp);
        }

        public static IEnumerable<object[]> Samples() => new[]
        {
            // sample path, key (certificate + private key), expected content file or text, algorithm
            new object[] { "rfc4134/5.1.bin", "rfc4134:Bob", "@rfc4134/ExContent.bin", ContentEncryptionAlgorithm.TripleDesCbc },
            new object[] { "rfc4134/5.2.bin", "rfc4134:Bob", "@rfc4134/ExContent.bin", ContentEncryptionAlgorithm.Rc2Cbc },
            new object[] { "rfc4134/5.3.eml", "rfc4134:Bob", "@rfc4134/ExContent.bin", ContentEncryptionAlgorithm.TripleDesCbc },
            new object[] { "rfc9216/examples-cms/binary-files/encryptedForBobRSAOaep.p7m", "rfc9216:bob", SampleContent, ContentEncryptionAlgorithm.Aes128Cbc },
            new object[] { "rfc9216/examples-cms/binary-files/encryptedForBobAndDana.p7m", "rfc9216:bob", SampleContent, ContentEncryptionAlgorithm.Aes128Cbc },
            new object[] { "rfc9216/examples-cms/binary-files/encryptedForBobAndDana.p7m", "rfc9216:dana", SampleContent, ContentEncryptionAlgorithm.Aes128Cbc },
            new object[] { "rfc9216/examples-cms/binary-files/authEnvelopedForBobChaCha20Poly1305.p7m", "rfc9216:bob", SampleContent, ContentEncryptionAlgorithm.ChaCha20Poly1305 },
            new object[] { "rfc9216/examples-cms/binary-files/authEnvelopedForDanaX25519HKDF.p7m", "rfc9216:dana", SampleContent, ContentEncryptionAlgorithm.Aes128Gcm },
            new object[] { "rfc9216/examples-cms/pem-encoded/encryptedForBobAndDana.pem", "rfc9216:dana", SampleContent, ContentEncryptionAlgorithm.Aes128Cbc },
            new object[] { "openssl/recipes/80-test_cms_data/ciphertext_from_1_1_1.cms", "openssl:smec3", "@openssl/aux/smcont.txt", ContentEncryptionAlgorithm.TripleDesCbc },
        };

        [SkippableTheory]
        [MemberData(nameof(Samples))]
        public void SampleDecryptsToItsKnownContent(string sample, string keyName, string expected, ContentEncryptionAlgorithm algorithm)
        {
            string root = RequiredCorpusRoot();

            byte[] message = ReadMessage(Path.Combine(root, sample));
            using var key = CorpusKey(root, keyName);
            var output = new MemoryStream();
            var result = EnvelopedDataReader.Decrypt(new MemoryStream(message), output, new IKeyDecryptor[] { key });

            byte[] want = expected.StartsWith('@') ? File.ReadAllBytes(Path.Combine(root, expected[1..])) : Encoding.ASCII.GetBytes(expected);
            Assert.Equal(want, output.ToArray());
            Assert.Equal(algorithm, result.ContentAlgorithm);
            Assert.Equal(AlgorithmPolicy.IsWeak(algorithm), result.IsWeak);
            Assert.Equal(key.Certificate.SerialNumber, result.OpenedBy.SerialNumber ?? SerialBySubjectKeyIdentifier(result, key));
            _output.WriteLine($"{sample}: {result.ContentAlgorithmName}, opened by {result.OpenedBy}; recipients: {string.Join("; ", result.Recipients)}");
        }

        [SkippableFact]
        public void Rfc4134MailListSampleListsItsKekRecipient()
        {
            string root = RequiredCorpusRoot();

            var recipients = EnvelopedDataReader.ReadRecipients(new MemoryStream(File.ReadAllBytes(Path.Combine(root, "rfc4134/5.2.bin"))));
            Assert.Equal(2, recipients.Count);
            Assert.Equal(RecipientKind.KeyTransport, recipients[0].Kind);
            Assert.Equal("CN=CarlRSA", recipients[0].Issuer);
            Assert.Equal(RecipientKind.Kek, recipients[1].Kind);
            Assert.Equal(Convert.ToHexString(Encoding.ASCII.GetBytes("MailListRC2")), recipients[1].KeyIdentifier);
            Assert.Equal("RC2 key wrap", recipients[1].KeyEncryptionAlgorithm);
        }

        [SkippableFact]
        public void KekOnlySampleGivesNoDecryptionKeyNamingTheSharedKey()
        {
            string root = RequiredCorpusRoot();

            // The KEK itself is printed only in the draft's text, not in the repository: the sample can be listed, not opened.
            var message = File.ReadAllBytes(Path.Combine(root, "rfc9216/examples-cms/binary-files/encryptedKekri.p7m"));
            using var bob = CorpusKey(root, "rfc9216:bob");
            var error = Assert.Throws<DecryptionKeyNotFoundException>(() =>
                EnvelopedDataReader.Decrypt(new MemoryStream(message), new MemoryStream(), new IKeyDecryptor[] { bob }));
            Assert.Equal(ErrorIds.NoDecryptionKey, error.ErrorId);
            var kek = Assert.Single(error.Recipients);
            Assert.Equal(RecipientKind.Kek, kek.Kind);
            Assert.Equal(Convert.ToHexString("keyid"u8), kek.KeyIdentifier);
            Assert.Contains(Convert.ToHexString("keyid"u8), error.Message, StringComparison.Ordinal);
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(_temp, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        /// <summary>The corpus folder: SMIMETOOLS_CORPORA, else ../shared/corpora beside the repository; null when neither exists.</summary>
        /// <summary>The corpus folder; skips the test visibly, with the reason, when it is absent.</summary>
        internal static string RequiredCorpusRoot()
        {
            string? root = CorpusRoot();
            Skip.If(root == null, "no corpus folder (set SMIMETOOLS_CORPORA or place it at ../shared/corpora).");
            return root!;
        }

        internal static string? CorpusRoot()
        {
            string? configured = Environment.GetEnvironmentVariable("SMIMETOOLS_CORPORA");
            if (!string.IsNullOrEmpty(configured))
            {
                return Directory.Exists(configured) ? configured : null;
            }

            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "SmimeTools.sln")))
                {
                    string candidate = Path.GetFullPath(Path.Combine(folder.FullName, "..", "shared", "corpora"));
                    return Directory.Exists(candidate) ? candidate : null;
                }
            }

            return null;
        }

        /// <summary>DER as it is; PEM ("-----BEGIN CMS-----"/"PKCS7") and MIME (headers, then base64) decoded.</summary>
        private static byte[] ReadMessage(string path)
        {
            byte[] data = File.ReadAllBytes(path);
            if (data.Length > 0 && data[0] == 0x30)
            {
                return data;
            }

            string text = Encoding.ASCII.GetString(data).Replace("\r\n", "\n", StringComparison.Ordinal);
            int pem = text.IndexOf("-----BEGIN", StringComparison.Ordinal);
            if (pem >= 0)
            {
                var lines = text[pem..].Split('\n').Skip(1).TakeWhile(l => !l.StartsWith("-----END", StringComparison.Ordinal));
                return Convert.FromBase64String(string.Concat(lines));
            }

            int body = text.IndexOf("\n\n", StringComparison.Ordinal);
            return Convert.FromBase64String(string.Concat(text[(body + 2)..].Split('\n').Select(l => l.Trim())));
        }

        private static string? SerialBySubjectKeyIdentifier(DecryptionResult result, IKeyDecryptor key) =>
            result.OpenedBy.SubjectKeyIdentifier == null ? null : key.Certificate.SerialNumber;

        /// <summary>A corpus key as a software key: certificate and private key joined in one PEM file, read as a user would.</summary>
        private PrivateKey CorpusKey(string root, string name)
        {
            string pem = name switch
            {
                "rfc4134:Bob" => Pem("CERTIFICATE", File.ReadAllBytes(Path.Combine(root, "rfc4134/BobRSASignByCarl.cer")))
                    + Pem("PRIVATE KEY", File.ReadAllBytes(Path.Combine(root, "rfc4134/BobPrivRSAEncrypt.pri"))),
                "rfc9216:bob" => File.ReadAllText(Path.Combine(root, "rfc9216/examples-cms/certs-and-keys/lamps-bob.encrypt.crt"))
                    + File.ReadAllText(Path.Combine(root, "rfc9216/examples-cms/certs-and-keys/lamps-bob.decrypt.p8.pem")),
                "rfc9216:dana" => File.ReadAllText(Path.Combine(root, "rfc9216/examples-cms/certs-and-keys/lamps-dana.encrypt.crt"))
                    + File.ReadAllText(Path.Combine(root, "rfc9216/examples-cms/certs-and-keys/lamps-dana.decrypt.p8.pem")),
                "openssl:smec3" => File.ReadAllText(Path.Combine(root, "openssl/smime-certs/smec3.pem")),
                _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
            };
            string path = Path.Combine(_temp, name.Replace(':', '-') + ".pem");
            File.WriteAllText(path, pem);
            var entry = CertificateFileReader.ReadFile(path).Single(e => e.KeyLocation != KeyLocation.None);
            if (name == "openssl:smec3")
            {
                // Its key usage names keyEncipherment but not keyAgreement, so .NET will not give it out for ECDH;
                // OpenSSL does not check, and neither does this stand-in (see KeyUsageBlindEcKey).
                return new KeyUsageBlindEcKey(entry.Certificate, pem);
            }

            return PrivateKeys.Open(entry.Key!);
        }

        private static string Pem(string label, byte[] der) =>
            $"-----BEGIN {label}-----\n{Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks)}\n-----END {label}-----\n";

        /// <summary>An ECDH key that agrees whatever its certificate's key usage says, as OpenSSL's decryption does.</summary>
        private sealed class KeyUsageBlindEcKey : PrivateKey
        {
            private readonly ECDiffieHellman _ecdh = ECDiffieHellman.Create();

            public KeyUsageBlindEcKey(X509Certificate2 certificate, string pem)
                : base(certificate) => _ecdh.ImportFromPem(pem);

            public override KeyLocation Location => KeyLocation.File;

            public override byte[] Sign(ReadOnlySpan<byte> data, DigestAlgorithm digest, SignatureAlgorithm algorithm) => throw Unsupported("sign");

            public override byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding) => throw Unsupported("decrypt by key transport");

            public override byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo)
            {
                using var originator = ECDiffieHellman.Create();
                originator.ImportSubjectPublicKeyInfo(originatorPublicKeyInfo, out _);
                return _ecdh.DeriveRawSecretAgreement(originator.PublicKey);
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _ecdh.Dispose();
                }
            }
        }
    }
}
