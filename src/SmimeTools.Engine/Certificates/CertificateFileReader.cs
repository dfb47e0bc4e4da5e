using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Reads certificates, and the private keys that come with them, from PEM, DER, PKCS#7 and PKCS#12 files.
    /// </summary>
    public static class CertificateFileReader
    {
        /// <summary>Files larger than this are not certificate files; refusing them keeps a stray mailbox from being read into memory.</summary>
        public const long MaxFileSize = 16 * 1024 * 1024;

        /// <summary>The file extensions looked at when a folder is searched.</summary>
        public static IReadOnlyCollection<string> KnownExtensions { get; } = new[]
        {
            ".pem", ".crt", ".cer", ".der", ".p7b", ".p7c", ".p12", ".pfx", ".key",
        };

        /// <summary>
        /// Reads every certificate in a file. Throws <see cref="SmimeException"/> when the file cannot be read, or when
        /// a PKCS#12 file asks for more work than <see cref="InputLimits.MaximumPkcs12Iterations"/> of <paramref name="limits"/>.
        /// </summary>
        public static IReadOnlyList<CertificateEntry> ReadFile(string path, SecureString? password = null, InputLimits? limits = null)
        {
            ArgumentNullException.ThrowIfNull(path);
            byte[] data;
            try
            {
                var info = new FileInfo(path);
                if (info.Length > MaxFileSize)
                {
                    throw Unreadable(path, $"it is {info.Length:N0} bytes, larger than any certificate file ({MaxFileSize:N0} bytes at most)");
                }

                data = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.UnreadableCertificateFile, SmimeErrorKind.ReadError,
                    $"Cannot read the certificate file '{path}': {e.Message}", "Check that the file exists and that you may read it.", path, e);
            }

            char[]? secret = password == null ? null : Reveal(password);
            try
            {
                var entries = ReadGuarded(data, path, secret, limits);
                foreach (var entry in entries)
                {
                    if (entry.KeyLocation != KeyLocation.None)
                    {
                        ChainCollector.RememberCompanions(entry.Certificate,
                            entries.Where(e => !ReferenceEquals(e, entry)).Select(e => e.Certificate).ToArray());
                    }
                }

                if (entries.Count == 0)
                {
                    throw new SmimeException(ErrorIds.NoCertificateInFile, SmimeErrorKind.InvalidData,
                        $"The file '{path}' holds no certificate (it may hold only a private key).",
                        "Give the file that holds the certificate, or a PKCS#12 file with both.", path);
                }

                return entries;
            }
            finally
            {
                if (secret != null)
                {
                    Array.Clear(secret);
                }
            }
        }

        /// <summary>
        /// Reads a certificate file (PEM or DER) together with the separate file of its private key (PEM, or DER
        /// PKCS#8, encrypted or not), as CAs and OpenSSL hand them out; the entries name the certificate file.
        /// </summary>
        internal static IReadOnlyList<CertificateEntry> ReadCertificateAndKey(string certificatePath, string keyPath, SecureString? password, InputLimits? limits = null) =>
            ReadCertificatesAndKey(ReadFile(certificatePath, null, limits), certificatePath, keyPath, password);

        /// <summary>
        /// The key in <paramref name="keyPath"/> (PEM or DER PKCS#8, encrypted or not) joined to <paramref name="certificate"/>,
        /// or null when the file holds no key for that certificate's public key.
        /// </summary>
        internal static KeyReference? ReadKeyFor(X509Certificate2 certificate, string keyPath, SecureString? password) =>
            ReadCertificatesAndKey(new[] { new CertificateEntry(certificate, null, keyPath) }, keyPath, keyPath, password)
                .FirstOrDefault(e => e.Key != null)?.Key;

        private static IReadOnlyList<CertificateEntry> ReadCertificatesAndKey(IReadOnlyList<CertificateEntry> certificates, string certificatePath, string keyPath, SecureString? password)
        {
            byte[] key;
            try
            {
                var info = new FileInfo(keyPath);
                if (info.Length > MaxFileSize)
                {
                    throw Unreadable(keyPath, "it is too large to be a key file");
                }

                key = File.ReadAllBytes(keyPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.UnreadableCertificateFile, SmimeErrorKind.ReadError,
                    $"Cannot read the key file '{keyPath}': {e.Message}", "Check that you may read the file.", keyPath, e);
            }

            var text = new StringBuilder();
            foreach (var entry in certificates)
            {
                text.Append(PemEncoding.WriteString("CERTIFICATE", entry.Certificate.RawData)).Append('\n');
            }

            try
            {
                text.Append(LooksLikePem(key) ? Encoding.ASCII.GetString(key) : PemEncoding.WriteString(DerKeyLabel(key, keyPath), key));
            }
            finally
            {
                Array.Clear(key);
            }

            char[]? secret = password == null ? null : Reveal(password);
            try
            {
                var entries = ReadGuarded(Encoding.ASCII.GetBytes(text.ToString()), certificatePath, secret, null);
                foreach (var entry in entries.Where(e => e.KeyLocation != KeyLocation.None))
                {
                    ChainCollector.RememberCompanions(entry.Certificate,
                        entries.Where(e => !ReferenceEquals(e, entry)).Select(e => e.Certificate).ToArray());
                }

                return entries;
            }
            finally
            {
                if (secret != null)
                {
                    Array.Clear(secret);
                }
            }
        }

        /// <summary>PRIVATE KEY for a DER PrivateKeyInfo (it starts with its version), ENCRYPTED PRIVATE KEY otherwise.</summary>
        private static string DerKeyLabel(byte[] der, string path)
        {
            try
            {
                var sequence = Asn1Sequence.GetInstance(Asn1Object.FromByteArray(der));
                return sequence[0] is DerInteger ? "PRIVATE KEY" : "ENCRYPTED PRIVATE KEY";
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException)
            {
                throw Unreadable(path, "it is neither a PEM key nor a DER PKCS#8 key", e);
            }
        }

        /// <summary>As <see cref="Read"/>; damage BouncyCastle meets past the first checks (a key, a bundled certificate) is an unreadable file too.</summary>
        private static IReadOnlyList<CertificateEntry> ReadGuarded(byte[] data, string path, char[]? password, InputLimits? limits)
        {
            try
            {
                return Read(data, path, password, limits);
            }
            catch (Exception e) when (Cms.DecodingFailure.Is(e) || e is CryptographicException or CertificateException)
            {
                throw Unreadable(path, $"part of it is damaged ({e.Message})", e);
            }
        }

        private static IReadOnlyList<CertificateEntry> Read(byte[] data, string path, char[]? password, InputLimits? limits)
        {
            if (LooksLikePem(data))
            {
                return ReadPem(data, path, password, limits);
            }

            Asn1Sequence sequence;
            try
            {
                sequence = Asn1Sequence.GetInstance(Asn1Object.FromByteArray(data));
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException)
            {
                throw Unreadable(path, "it is neither PEM text nor DER-encoded ASN.1", e);
            }

            if (sequence.Count >= 2 && sequence[0] is DerInteger version && version.HasValue(3) && sequence[1] is Asn1Sequence)
            {
                return ReadPkcs12(data, path, password, limits);
            }

            if (sequence.Count >= 1 && sequence[0] is DerObjectIdentifier)
            {
                return ReadPkcs7(sequence, path);
            }

            try
            {
                return new[] { new CertificateEntry(ToDotNet(new BcCertificate(X509CertificateStructureFrom(sequence))), null, path) };
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException or CryptographicException or CertificateException)
            {
                throw Unreadable(path, "it is DER data but not a certificate, PKCS#7 bundle or PKCS#12 file", e);
            }
        }

        private static Org.BouncyCastle.Asn1.X509.X509CertificateStructure X509CertificateStructureFrom(Asn1Sequence sequence) =>
            Org.BouncyCastle.Asn1.X509.X509CertificateStructure.GetInstance(sequence);

        private static bool LooksLikePem(byte[] data)
        {
            var head = Encoding.ASCII.GetString(data, 0, Math.Min(data.Length, 64 * 1024));
            return head.Contains("-----BEGIN ", StringComparison.Ordinal);
        }

        private static IReadOnlyList<CertificateEntry> ReadPem(byte[] data, string path, char[]? password, InputLimits? limits)
        {
            if (password != null)
            {
                CheckKeyDerivationWork(data, path, (limits ?? InputLimits.Default).MaximumPkcs12Iterations);
            }

            var certificates = new List<BcCertificate>();
            var keys = new List<AsymmetricKeyParameter>();
            var finder = new PasswordFinder(password);
            using (var reader = new PemReader(new StreamReader(new MemoryStream(data), Encoding.ASCII), finder))
            {
                while (true)
                {
                    object? item;
                    try
                    {
                        item = reader.ReadObject();
                    }
                    catch (Exception e) when (e is Org.BouncyCastle.OpenSsl.PasswordException)
                    {
                        throw BadPassword(path, password == null, e);
                    }
                    catch (Exception e) when (e is InvalidCipherTextException or PemException && finder.WasAsked)
                    {
                        throw BadPassword(path, false, e);
                    }
                    catch (Exception e) when (e is IOException or PemException or ArgumentException or InvalidCastException or CertificateException or SecurityUtilityException)
                    {
                        throw Unreadable(path, "a PEM block in it is damaged or of a kind that is not understood", e);
                    }

                    if (item == null)
                    {
                        break;
                    }

                    switch (item)
                    {
                        case BcCertificate certificate:
                            certificates.Add(certificate);
                            break;
                        case AsymmetricCipherKeyPair pair:
                            keys.Add(pair.Private);
                            break;
                        case AsymmetricKeyParameter { IsPrivate: true } key:
                            keys.Add(key);
                            break;
                        case ContentInfo contentInfo:
                            certificates.AddRange(CertificatesOf(contentInfo, path));
                            break;
                    }
                }
            }

            return Pair(certificates, keys, path);
        }

        /// <summary>
        /// Encrypted PKCS#8 keys ask for PBKDF2 iterations as PKCS#12 files do, and BouncyCastle would run any count (or
        /// scrypt at any cost): the counts of every ENCRYPTED PRIVATE KEY block are added up and held to the same limit
        /// before one is decrypted, and a scheme whose cost its parameters do not state is refused.
        /// </summary>
        private static void CheckKeyDerivationWork(byte[] data, string path, long limit)
        {
            var budget = new Pkcs12WorkBudget(path, limit, "encrypted private key file");
            using var reader = new Org.BouncyCastle.Utilities.IO.Pem.PemReader(new StreamReader(new MemoryStream(data), Encoding.ASCII));
            while (true)
            {
                Org.BouncyCastle.Utilities.IO.Pem.PemObject? block;
                try
                {
                    block = reader.ReadPemObject();
                }
                catch (Exception e) when (e is IOException or PemException or FormatException)
                {
                    // Damage is reported by the full read that follows.
                    return;
                }

                if (block == null)
                {
                    return;
                }

                if (block.Type != "ENCRYPTED PRIVATE KEY")
                {
                    continue;
                }

                int iterations;
                try
                {
                    iterations = Pkcs12Crypto.IterationsOf(Org.BouncyCastle.Asn1.Pkcs.EncryptedPrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(block.Content)).EncryptionAlgorithm);
                }
                catch (NotSupportedException e)
                {
                    throw Unreadable(path, $"its private key is encrypted with a scheme whose cost SmimeTools cannot bound ({e.Message})", e);
                }
                catch (Exception e) when (Cms.DecodingFailure.Is(e))
                {
                    throw Unreadable(path, "its encrypted private key is damaged", e);
                }

                budget.Spend(iterations);
            }
        }

        private static IReadOnlyList<CertificateEntry> ReadPkcs7(Asn1Sequence sequence, string path)
        {
            ContentInfo contentInfo;
            try
            {
                contentInfo = ContentInfo.GetInstance(sequence);
            }
            catch (ArgumentException e)
            {
                throw Unreadable(path, "it looks like a PKCS#7 bundle but its structure is damaged", e);
            }

            return CertificatesOf(contentInfo, path).Select(c => new CertificateEntry(ToDotNet(c), null, path)).ToList();
        }

        private static IEnumerable<BcCertificate> CertificatesOf(ContentInfo contentInfo, string path)
        {
            if (!contentInfo.ContentType.Equals(CmsObjectIdentifiers.SignedData))
            {
                throw Unreadable(path, $"it is a PKCS#7/CMS structure of type {contentInfo.ContentType.Id}, not a certificate bundle");
            }

            var signedData = SignedData.GetInstance(contentInfo.Content);
            var result = new List<BcCertificate>();
            if (signedData.Certificates != null)
            {
                foreach (var element in signedData.Certificates)
                {
                    if (element is Asn1Sequence certificateSequence)
                    {
                        result.Add(new BcCertificate(X509CertificateStructureFrom(certificateSequence)));
                    }
                }
            }

            return result;
        }

        private static IReadOnlyList<CertificateEntry> ReadPkcs12(byte[] data, string path, char[]? password, InputLimits? limits)
        {
            var contents = Pkcs12Reader.Read(data, path, password, limits);
            var entries = new List<CertificateEntry>();
            var seen = new HashSet<BcCertificate>();
            foreach (var key in contents.Keys)
            {
                if (key.Certificate != null && seen.Add(key.Certificate))
                {
                    entries.Add(WithKey(key.Certificate, key.Key, path));
                }
            }

            foreach (var certificate in contents.Certificates)
            {
                if (seen.Add(certificate.Certificate))
                {
                    entries.Add(new CertificateEntry(ToDotNet(certificate.Certificate), null, path));
                }
            }

            return entries;
        }

        private static IReadOnlyList<CertificateEntry> Pair(List<BcCertificate> certificates, List<AsymmetricKeyParameter> keys, string path)
        {
            var entries = new List<CertificateEntry>();
            foreach (var certificate in certificates)
            {
                var key = keys.FirstOrDefault(k => KeyPairs.IsPairOf(k, certificate.SubjectPublicKeyInfo));
                entries.Add(key == null
                    ? new CertificateEntry(ToDotNet(certificate), null, path)
                    : WithKey(certificate, key, path));
            }

            return entries;
        }

        private static CertificateEntry WithKey(BcCertificate certificate, AsymmetricKeyParameter key, string path)
        {
            var dotNet = ToDotNet(certificate);
            FileKeyReference withKey;
            try
            {
                withKey = FileKeyReference.Attach(dotNet, NamedCurveForm(key));
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                throw Unreadable(path, $"the private key of '{dotNet.Subject}' does not fit its certificate", e);
            }

            return new CertificateEntry(withKey, path);
        }

        /// <summary>
        /// Some writers (MimeKit's test files, old Java) spell a standard EC curve out in full. .NET (through
        /// OpenSSL) sees the certificate's curve by name but keeps such a key's curve explicit, and then finds
        /// them unequal; the key takes the curve's name.
        /// </summary>
        private static AsymmetricKeyParameter NamedCurveForm(AsymmetricKeyParameter key)
        {
            if (key is not ECPrivateKeyParameters { PublicKeyParamSet: null } ec)
            {
                return key;
            }

            foreach (var name in new[] { "P-256", "P-384", "P-521", "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "secp256k1" })
            {
                var oid = Org.BouncyCastle.Asn1.X9.ECNamedCurveTable.GetOid(name);
                var named = Org.BouncyCastle.Asn1.X9.ECNamedCurveTable.GetByOid(oid);
                if (named != null
                    && named.Curve.Field.Characteristic.Equals(ec.Parameters.Curve.Field.Characteristic)
                    && named.Curve.A.ToBigInteger().Equals(ec.Parameters.Curve.A.ToBigInteger())
                    && named.Curve.B.ToBigInteger().Equals(ec.Parameters.Curve.B.ToBigInteger())
                    && named.N.Equals(ec.Parameters.N)
                    && named.G.GetEncoded(false).AsSpan().SequenceEqual(ec.Parameters.G.GetEncoded(false)))
                {
                    return new ECPrivateKeyParameters("EC", ec.D, oid);
                }
            }

            return key;
        }

        private static X509Certificate2 ToDotNet(BcCertificate certificate) =>
#pragma warning disable SYSLIB0057 // X509CertificateLoader is net9+; the module targets net8 for PowerShell 7.4.
            new X509Certificate2(certificate.GetEncoded());
#pragma warning restore SYSLIB0057

        private static char[] Reveal(SecureString secret)
        {
            var pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
            try
            {
                var chars = new char[secret.Length];
                Marshal.Copy(pointer, chars, 0, chars.Length);
                return chars;
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }

        private static SmimeException Unreadable(string path, string why, Exception? inner = null) =>
            new(ErrorIds.UnreadableCertificateFile, SmimeErrorKind.InvalidData,
                $"Cannot read certificates from '{path}': {why}.",
                "Give a PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.p12/.pfx) file.", path, inner);

        private static SmimeException BadPassword(string path, bool noPasswordGiven, Exception inner) =>
            new(ErrorIds.BadPassword, SmimeErrorKind.AuthenticationError,
                noPasswordGiven
                    ? $"The file '{path}' is protected by a password and none was given."
                    : $"The password does not open '{path}': it is wrong, or the file is damaged.",
                "Give the file's password (as a SecureString, for example from Read-Host -AsSecureString).", path, inner);

        private sealed class PasswordFinder : IPasswordFinder
        {
            private readonly char[]? _password;

            public PasswordFinder(char[]? password) => _password = password;

            public bool WasAsked { get; private set; }

            public char[] GetPassword()
            {
                WasAsked = true;
                if (_password == null)
                {
                    throw new Org.BouncyCastle.OpenSsl.PasswordException("A password is needed.");
                }

                return (char[])_password.Clone();
            }
        }
    }
}
