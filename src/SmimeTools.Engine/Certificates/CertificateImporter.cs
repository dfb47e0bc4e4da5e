using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Puts public certificates into a certificate store: correspondents into AddressBook, intermediates into CA,
    /// and the CAs (or single certificates) a user decides to trust into Root, which verification honours as anchors.
    /// Private keys are never stored from here; identities go through <see cref="IdentityImporter"/>.
    /// </summary>
    public sealed class CertificateImporter : IDisposable
    {
        private X509Store? _store;

        public CertificateImporter(CertificateStorePath store) =>
            Store = store ?? throw new ArgumentNullException(nameof(store));

        public CertificateStorePath Store { get; }

        /// <summary>True when the store is one of trust anchors: adding to it is a security decision.</summary>
        public bool IsTrustStore => Store.StoreName.Equals("Root", StringComparison.OrdinalIgnoreCase);

        /// <summary>Adds the certificate without any key it may carry. Throws StoreUnavailable when the store refuses.</summary>
        public IdentityRecord Add(X509Certificate2 certificate, string source)
        {
            ArgumentNullException.ThrowIfNull(certificate);
#pragma warning disable SYSLIB0057 // X509CertificateLoader is net9+; the module targets net8 for PowerShell 7.4.
            using var publicOnly = new X509Certificate2(certificate.RawData);
#pragma warning restore SYSLIB0057
            var store = _store ??= Store.Open(OpenFlags.ReadWrite);
            bool replaced;
            try
            {
                replaced = store.Certificates.Find(X509FindType.FindByThumbprint, certificate.Thumbprint, validOnly: false).Count > 0;
                store.Add(publicOnly);
            }
            catch (CryptographicException e)
            {
                throw new SmimeException(ErrorIds.StoreUnavailable, SmimeErrorKind.ResourceUnavailable,
                    $"Cannot add '{certificate.Subject}' ({certificate.Thumbprint}) to {Store.DisplayPath}: {e.Message}",
                    "Check that you may write to the store.", certificate, e);
            }

            return new IdentityRecord(certificate, "Import", "Store", source, Store.DisplayPath, null, false, false, replaced);
        }

        public void Dispose()
        {
            _store?.Dispose();
            _store = null;
        }
    }
}
