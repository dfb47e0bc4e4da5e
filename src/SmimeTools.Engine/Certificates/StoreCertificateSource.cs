using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// A certificate store (<c>Cert:\CurrentUser\My</c>, <c>\AddressBook</c>, <c>Cert:\LocalMachine\Root</c>...) through .NET's
    /// <see cref="X509Store"/>, on every OS. A store that does not exist yet reads as empty: a new user has no AddressBook.
    /// </summary>
    public sealed class StoreCertificateSource : CertificateSource
    {
        public StoreCertificateSource(CertificateStorePath path)
        {
            Path = path ?? throw new ArgumentNullException(nameof(path));
        }

        public CertificateStorePath Path { get; }

        public override string Description => Path.DisplayPath;

        /// <summary>Opens the store read-only; <see cref="ErrorIds.StoreUnavailable"/> when the OS refuses.</summary>
        public override IEnumerable<CertificateEntry> Read(Action<SmimeException>? problem = null)
        {
            // Read eagerly so the store is closed before the caller sees the first certificate.
            X509Certificate2Collection certificates;
            using (var store = Path.Open(OpenFlags.ReadOnly))
            {
                certificates = store.Certificates;
            }

            var entries = new List<CertificateEntry>(certificates.Count);
            foreach (var certificate in certificates)
            {
                entries.Add(new CertificateEntry(certificate, DotNetKeyReference.Of(certificate, KeyLocation.Store), Path.DisplayPath));
            }

            return entries;
        }
    }
}
