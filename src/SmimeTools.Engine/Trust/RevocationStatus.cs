namespace SmimeTools.Engine.Trust
{
    /// <summary>The revocation status found for one certificate of a path.</summary>
    public enum RevocationStatus
    {
        /// <summary>Revocation was not checked (<see cref="RevocationMode.None"/>, or the path did not reach a trust anchor).</summary>
        NotChecked,

        /// <summary>A current CRL or OCSP answer covering the certificate does not list it.</summary>
        Good,

        /// <summary>The certificate is listed as revoked.</summary>
        Revoked,

        /// <summary>No usable CRL or OCSP answer was found.</summary>
        Unknown,
    }
}
