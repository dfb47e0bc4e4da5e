using System;
using System.IO;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// New key pairs made in software, and the files they wait in for their certificates: PKCS#8 PEM encrypted with
    /// PBES2 (AES-256-CBC, PBKDF2-HMAC-SHA256), created owner-only, never written in plain text.
    /// </summary>
    public static class SoftwareKeyPair
    {
        /// <summary>PBKDF2 iterations of the key files, as for the PKCS#12 files we write.</summary>
        public const int Iterations = Pkcs12Writer.DefaultIterations;

        public static AsymmetricAlgorithm Generate(TokenKeyType type) => type switch
        {
            TokenKeyType.Rsa2048 => RSA.Create(2048),
            TokenKeyType.Rsa3072 => RSA.Create(3072),
            TokenKeyType.Rsa4096 => RSA.Create(4096),
            TokenKeyType.P256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            TokenKeyType.P384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a key type enrolment makes."),
        };

        /// <summary>"RSA 2048", "EC P-256", ...</summary>
        public static string Describe(TokenKeyType type) => type switch
        {
            TokenKeyType.Rsa2048 => "RSA 2048",
            TokenKeyType.Rsa3072 => "RSA 3072",
            TokenKeyType.Rsa4096 => "RSA 4096",
            TokenKeyType.P256 => "EC P-256",
            _ => "EC P-384",
        };

        public static bool IsRsa(TokenKeyType type) => type is TokenKeyType.Rsa2048 or TokenKeyType.Rsa3072 or TokenKeyType.Rsa4096;

        /// <summary>Writes the key encrypted under <paramref name="password"/> to a new file (DestinationExists when there is one).</summary>
        public static void Write(string path, AsymmetricAlgorithm key, SecureString password)
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentNullException.ThrowIfNull(key);
            CheckPassword(password, path);
            using var secret = Pkcs12Password.From(password);
            var parameters = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Iterations);
            var pem = key.ExportEncryptedPkcs8PrivateKeyPem(secret.Chars, parameters) + "\n";
            using var writer = AtomicFileWriter.Create(path, overwrite: false, privateFile: true);
            try
            {
                writer.Stream.Write(Encoding.ASCII.GetBytes(pem));
                writer.Commit();
            }
            catch (IOException e)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"Cannot write the key file '{path}': {e.Message}", "Check the free space and that you may write there.", path, e);
            }
        }

        /// <summary>Reads a key file written by <see cref="Write"/>; BadPassword when the password does not open it.</summary>
        public static AsymmetricAlgorithm Read(string path, TokenKeyType type, SecureString password)
        {
            ArgumentNullException.ThrowIfNull(path);
            CheckPassword(password, path);
            string pem;
            try
            {
                pem = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound,
                    $"The key file '{path}' of a pending request cannot be read: {e.Message}",
                    "Restore the key file from a backup; without it the request cannot be completed and must be made again.", path, e);
            }

            AsymmetricAlgorithm key = IsRsa(type) ? RSA.Create() : ECDsa.Create();
            using var secret = Pkcs12Password.From(password);
            try
            {
                key.ImportFromEncryptedPem(pem, secret.Chars);
                return key;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                key.Dispose();
                throw new SmimeException(ErrorIds.BadPassword, SmimeErrorKind.AuthenticationError,
                    $"The key file '{path}' does not open with the password given ({e.Message}).",
                    "Give the password the key was made with (-KeyPassword, or the -KeyPasswordPerUser script).", path, e);
            }
        }

        /// <summary>BadPassword unless there is a password to encrypt a key file under; for before a key is made.</summary>
        public static void RequirePassword(SecureString? password, string path) => CheckPassword(password, path);

        private static void CheckPassword(SecureString? password, string path)
        {
            if (password == null || password.Length == 0)
            {
                throw new SmimeException(ErrorIds.BadPassword, SmimeErrorKind.InvalidArgument,
                    $"No password for the key file '{path}': software keys are kept encrypted, never in plain text.",
                    "Give -KeyPassword, or a -KeyPasswordPerUser script that returns a SecureString for every user.", path);
            }
        }
    }
}
