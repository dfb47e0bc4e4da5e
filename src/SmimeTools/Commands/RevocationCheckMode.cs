namespace SmimeTools.Commands
{
    /// <summary>How Test-SmimeSignature establishes whether certificates are revoked (-Revocation).</summary>
    public enum RevocationCheckMode
    {
        /// <summary>Not checked; the result says so.</summary>
        None,

        /// <summary>CRLs from -Crl and CRLs carried in the message; no network.</summary>
        Offline,

        /// <summary>As Offline, then CRL distribution points and OCSP responders over the network, with timeouts.</summary>
        Online,
    }
}
