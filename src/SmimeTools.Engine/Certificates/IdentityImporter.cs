using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Parameters;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Puts identities (certificates with their private keys) from PKCS#12 and PEM files into a .NET certificate
    /// store, the same <c>Cert:\Location\Store</c> on every OS. The store is opened on the first identity added.
    /// </summary>
    public sealed class IdentityImporter : IDisposable
    {
        private X509Store? _store;

        public IdentityImporter(CertificateStorePath store, bool exportable)
        {
            Store = store ?? throw new ArgumentNullException(nameof(store));
            Exportable = exportable;
        }

        public CertificateStorePath Store { get; }

        /// <summary>Whether stored keys may be exported again (Windows and macOS; Linux keys always can).</summary>
        public bool Exportable { get; }

        /// <summary>
        /// The identities of a file: PKCS#12, PEM with certificate and key, or a certificate file with its key in a
        /// file of the same name ending in .key beside it. Throws <see cref="SmimeException"/>: NoPrivateKey when the
        /// file holds certificates only, NoCertificateInFile when it holds a key only, BadPassword, TooManyPkcs12Iterations
        /// past <see cref="InputLimits.MaximumPkcs12Iterations"/> of <paramref name="limits"/> (the defaults when null), ...
        /// </summary>
        public static IReadOnlyList<CertificateEntry> ReadIdentities(string path, SecureString? password, InputLimits? limits = null)
        {
            ArgumentNullException.ThrowIfNull(path);
            var entries = CertificateFileReader.ReadFile(path, password, limits);
            var identities = entries.Where(e => e.KeyLocation != KeyLocation.None).ToList();
            if (identities.Count == 0 && SiblingKeyFile(path) is { } keyPath)
            {
                entries = CertificateFileReader.ReadCertificateAndKey(path, keyPath, password, limits);
                identities = entries.Where(e => e.KeyLocation != KeyLocation.None).ToList();
                if (identities.Count == 0)
                {
                    throw new SmimeException(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidData,
                        $"The key in '{keyPath}' does not belong to the certificate in '{path}'.",
                        "Give the key file that belongs to the certificate, or a PKCS#12 file with both.", path);
                }
            }

            if (identities.Count == 0)
            {
                throw new SmimeException(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidData,
                    $"The file '{path}' holds {entries.Count} certificate(s) but no private key, so it holds no identity to import.",
                    "Give the PKCS#12 file with the key, or put the PEM key beside the certificate under the same name ending in .key. " +
                    "Certificates without keys (correspondents', CAs') are not identities, which is all this imports.",
                    path);
            }

            return identities;
        }

        /// <summary>
        /// Adds one identity to the store, its key persisted with it. Throws <see cref="SmimeException"/>:
        /// UnsupportedKey for keys .NET stores cannot hold (Ed25519, X25519), StoreUnavailable when the store refuses.
        /// </summary>
        public IdentityRecord Add(CertificateEntry identity)
        {
            ArgumentNullException.ThrowIfNull(identity);
            var certificate = identity.Certificate;
            var withKey = DotNetIdentity(identity);
            var transient = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
            var flags = X509KeyStorageFlags.PersistKeySet
                | (Store.Location == StoreLocation.CurrentUser ? X509KeyStorageFlags.UserKeySet : X509KeyStorageFlags.MachineKeySet)
                | (Exportable ? X509KeyStorageFlags.Exportable : X509KeyStorageFlags.DefaultKeySet);
#pragma warning disable SYSLIB0057 // X509CertificateLoader is net9+; the module targets net8 for PowerShell 7.4.
            X509Certificate2 persisted;
            try
            {
                persisted = new X509Certificate2(withKey.Export(X509ContentType.Pkcs12, transient), transient, flags);
            }
            finally
            {
                if (!ReferenceEquals(withKey, certificate))
                {
                    withKey.Dispose();
                }
            }
#pragma warning restore SYSLIB0057
            var store = Open();
            bool replaced;
            try
            {
                replaced = store.Certificates.Find(X509FindType.FindByThumbprint, certificate.Thumbprint, validOnly: false).Count > 0;
                store.Add(persisted);
            }
            catch (CryptographicException e)
            {
                throw new SmimeException(ErrorIds.StoreUnavailable, SmimeErrorKind.ResourceUnavailable,
                    $"Cannot add '{certificate.Subject}' ({certificate.Thumbprint}) to {Store.DisplayPath}: {e.Message}",
                    "Check that you may write to the store.", certificate, e);
            }

            var exportable = Exportable || (!OperatingSystem.IsWindows() && !OperatingSystem.IsMacOS());
            return new IdentityRecord(persisted, "Import", "Store", identity.Source, Store.DisplayPath, null, true, exportable, replaced);
        }

        public void Dispose()
        {
            _store?.Dispose();
            _store = null;
        }

        /// <summary>Opens the store for writing, once; throws StoreUnavailable when that is refused.</summary>
        public X509Store Open() => _store ??= Store.Open(OpenFlags.ReadWrite);

        /// <summary>The certificate with its key as a .NET key, which is what a store can persist.</summary>
        private static X509Certificate2 DotNetIdentity(CertificateEntry identity)
        {
            var certificate = identity.Certificate;
            if (IdentityFacts.IsOutsideDotNet(certificate))
            {
                throw Unsupported(certificate, $"{IdentityFacts.KeyAlgorithmOf(certificate)} keys cannot be kept in a .NET certificate store");
            }

            if (certificate.HasPrivateKey)
            {
                return certificate;
            }

            if (identity.Key is FileKeyReference { Key: DsaPrivateKeyParameters dsaKey })
            {
                var pkcs8 = IdentityKeyExport.Pkcs8(dsaKey);
                try
                {
                    using var dsa = DSA.Create();
                    dsa.ImportPkcs8PrivateKey(pkcs8, out _);
                    return certificate.CopyWithPrivateKey(dsa);
                }
                catch (CryptographicException e)
                {
                    throw Unsupported(certificate, $"this system cannot hold its DSA key ({e.Message})");
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pkcs8);
                }
            }

            throw Unsupported(certificate, $"its {IdentityFacts.KeyAlgorithmOf(certificate)} key is of a kind .NET cannot hold");
        }

        private static SmimeException Unsupported(X509Certificate2 certificate, string why) =>
            new(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidOperation,
                $"Cannot import '{certificate.Subject}' ({certificate.Thumbprint}) into a certificate store: {why}. Nothing was stored.",
                "Keep the identity in its PKCS#12 file and use it from there (Get-SmimeCertificate file.p12 -Password ...).",
                certificate);

        private static string? SiblingKeyFile(string path)
        {
            var extension = Path.GetExtension(path);
            if (extension.Equals(".key", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase)
                || extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var candidate = Path.ChangeExtension(path, ".key");
            return File.Exists(candidate) ? candidate : null;
        }
    }
}
