using System;
using System.Threading;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Fetches revocation information over the network for <see cref="RevocationMode.Online"/>. The default,
    /// <see cref="HttpRevocationFetcher"/>, speaks http and https; LDAP distribution points are left to an implementation
    /// that knows the directory (it may wrap the default and handle ldap:// and ldaps:// itself).
    /// </summary>
    public interface IRevocationFetcher
    {
        /// <summary>
        /// Downloads the CRL at <paramref name="location"/>. Returns null when the scheme is not supported (nothing was tried);
        /// throws when the download fails, exceeds <paramref name="maxBytes"/> or <paramref name="cancellationToken"/> fires
        /// (the validator cancels it after <see cref="ValidationOptions.OnlineTimeout"/>).
        /// </summary>
        byte[]? FetchCrl(Uri location, long maxBytes, CancellationToken cancellationToken);

        /// <summary>
        /// Sends a DER OCSP request to <paramref name="responder"/> and returns the DER response; null when the scheme is not
        /// supported. Failures, oversize answers and cancellation throw, as for <see cref="FetchCrl"/>.
        /// </summary>
        byte[]? SendOcspRequest(Uri responder, byte[] request, long maxBytes, CancellationToken cancellationToken);
    }
}
