namespace SmimeTools.Engine.Trust
{
    /// <summary>Where a revocation status came from.</summary>
    public enum RevocationMethod
    {
        None,

        /// <summary>A complete CRL (possibly with a delta CRL).</summary>
        Crl,

        /// <summary>An OCSP responder.</summary>
        Ocsp,
    }
}
