using System;
using System.IO;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmimeTools.Tests.Enrolment
{
    /// <summary>PKCS#10 requests and PKCS#8 key files for the SCEP tests, made with .NET the way a user's tools would.</summary>
    internal static class ScepTestRequests
    {
        public const string KeyPassword = "scep-key-password";

        // Key generation is the slow part on a busy machine (over a second a key): the tests share two keys, made once.
        private static readonly Lazy<RSAParameters>[] Keys =
        {
            new(() => NewKeyParameters()), new(() => NewKeyParameters()),
        };

        /// <summary>
        /// An RSA 2048 key (one of two shared by the tests: <paramref name="keySlot"/> 0 or 1; use different slots where
        /// a test needs different keys) and a PEM request for it with an e-mail SAN.
        /// </summary>
        public static (string Pem, RSA Key) Make(string commonName, string email, string? challenge = null, int keySlot = 0)
        {
            var key = RSA.Create();
            key.ImportParameters(Keys[keySlot].Value);
            var request = new CertificateRequest($"CN={commonName}, O=SmimeTools Test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddEmailAddress(email);
            request.CertificateExtensions.Add(san.Build());
            if (challenge != null)
            {
                // challengePassword (RFC 2985 §5.4.1) as a PrintableString, as openssl req writes it.
                var value = new byte[] { 0x13, (byte)challenge.Length }.Concat(Encoding.ASCII.GetBytes(challenge)).ToArray();
                request.OtherRequestAttributes.Add(new AsnEncodedData("1.2.840.113549.1.9.7", value));
            }

            return (request.CreateSigningRequestPem(), key);
        }

        /// <summary>Writes <paramref name="key"/> as an encrypted PKCS#8 PEM (PBES2, AES-256-CBC, PBKDF2-SHA256) and returns its path.</summary>
        public static string WriteKeyFile(RSA key, string folder, string name)
        {
            var path = Path.Combine(folder, name + ".key");
            var pem = key.ExportEncryptedPkcs8PrivateKeyPem(KeyPassword.AsSpan(), new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000));
            File.WriteAllText(path, pem, Encoding.ASCII);
            return path;
        }

        private static RSAParameters NewKeyParameters()
        {
            using var key = RSA.Create(2048);
            return key.ExportParameters(true);
        }

        public static SecureString Secure(string text)
        {
            var secure = new SecureString();
            foreach (var c in text)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }

        /// <summary>The transactionID RFC 8894 §3.2.1.1 asks for, as this client derives it: hex SHA-256 of the SubjectPublicKeyInfo.</summary>
        public static string TransactionIdOf(RSA key) => Convert.ToHexString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
    }
}
