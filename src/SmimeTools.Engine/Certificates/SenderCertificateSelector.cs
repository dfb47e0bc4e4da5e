using System;
using System.Collections.Generic;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Finds the identity to sign as a From address: a valid signing certificate for the address whose private key is at
    /// hand, the newest notBefore winning (see <see cref="CertificateSelector"/>).
    /// </summary>
    public sealed class SenderCertificateSelector
    {
        private readonly CertificateSelector _selector;

        public SenderCertificateSelector(IEnumerable<CertificateSource> sources, DateTime? at = null)
        {
            _selector = new CertificateSelector(sources, at);
        }

        public string SearchedDescription => _selector.SearchedDescription;

        /// <summary>The identity to sign as <paramref name="address"/>; throws NoMatchingCertificate or AmbiguousCertificate.</summary>
        public CertificateChoice Select(string address) => _selector.Select(address, CertificateUsage.Signing, requirePrivateKey: true);

        /// <summary>The sender's own encryption certificate (for the sent copy), or null when the sources hold none that fits.</summary>
        public CertificateChoice? FindEncryptionCertificate(string address)
        {
            try
            {
                return _selector.Select(address, CertificateUsage.Encryption, requirePrivateKey: false);
            }
            catch (SmimeException e) when (e.ErrorId == ErrorIds.NoMatchingCertificate)
            {
                return null;
            }
        }
    }
}
