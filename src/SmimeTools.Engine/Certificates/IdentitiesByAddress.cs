using System;
using System.Collections.Generic;
using System.Linq;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>Every identity (certificate with its private key) of some sources that carries an address, for decrypting mail sent to it.</summary>
    public static class IdentitiesByAddress
    {
        /// <summary>The identities for <paramref name="address"/>, each source's in turn; <see cref="ErrorIds.NoMatchingCertificate"/> when there is none.</summary>
        public static IReadOnlyList<CertificateEntry> Find(IReadOnlyList<CertificateSource> sources, string address, Action<string>? note = null)
        {
            ArgumentNullException.ThrowIfNull(sources);
            ArgumentException.ThrowIfNullOrWhiteSpace(address);
            var query = new CertificateQuery { Emails = new[] { address }, RequirePrivateKey = true };
            var found = sources.SelectMany(s => s.Find(query)).ToList();
            if (found.Count == 0)
            {
                throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.ObjectNotFound,
                    $"No identity (certificate with its private key) for {address} was found in {string.Join(", ", sources)}.",
                    "Import the identity's PKCS#12 file into the store, name other stores with -CertStoreLocation, or pass the identity itself to -Identity.", address);
            }

            note?.Invoke($"-Identity {address}: {found.Count} identit{(found.Count == 1 ? "y" : "ies")} in {string.Join(", ", sources)}: {string.Join(", ", found.Select(e => e.Certificate.Thumbprint))}.");
            return found;
        }
    }
}
