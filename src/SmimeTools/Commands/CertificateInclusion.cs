namespace SmimeTools.Commands
{
    /// <summary>Which certificates a signature carries.</summary>
    public enum CertificateInclusion
    {
        /// <summary>None: the recipient must already have the signer's certificate.</summary>
        None,
        /// <summary>The signer's certificate only.</summary>
        Signer,
        /// <summary>The signer's certificate and its intermediates, without the root (the default).</summary>
        Chain,
    }
}
