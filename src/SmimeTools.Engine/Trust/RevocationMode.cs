namespace SmimeTools.Engine.Trust
{
    /// <summary>How the revocation status of the certificates of a path is established.</summary>
    public enum RevocationMode
    {
        /// <summary>Not checked: no certificate is reported revoked, and the result says revocation was not checked.</summary>
        None,

        /// <summary>From CRLs given (files, folders, blobs) and CRLs carried in the message; no network.</summary>
        Offline,

        /// <summary>As <see cref="Offline"/>, then OCSP responders and CRL distribution points over the network, with timeouts and size limits.</summary>
        Online,
    }
}
