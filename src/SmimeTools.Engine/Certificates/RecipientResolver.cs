using System;
using System.Collections.Generic;
using System.Linq;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Finds the certificate to encrypt to for each recipient address: valid, carrying the address, allowing encryption,
    /// the newest notBefore winning (see <see cref="CertificateSelector"/>). No private key is needed.
    /// </summary>
    public sealed class RecipientResolver
    {
        private readonly CertificateSelector _selector;

        public RecipientResolver(IEnumerable<CertificateSource> sources, DateTime? at = null)
        {
            _selector = new CertificateSelector(sources, at);
        }

        public string SearchedDescription => _selector.SearchedDescription;

        /// <summary>The certificate to encrypt to <paramref name="address"/>; throws NoMatchingCertificate or AmbiguousCertificate.</summary>
        public CertificateChoice Resolve(string address) => _selector.Select(address, CertificateUsage.Encryption, requirePrivateKey: false);

        /// <summary>One certificate per address, in order; the first address that cannot be resolved throws.</summary>
        public IReadOnlyList<CertificateChoice> ResolveAll(IEnumerable<string> addresses)
        {
            ArgumentNullException.ThrowIfNull(addresses);
            return addresses.Select(Resolve).ToArray();
        }
    }
}
