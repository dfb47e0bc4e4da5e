namespace SmimeTools.Engine.Policy
{
    /// <summary>How a signature is made with a key.</summary>
    public enum SignatureAlgorithm
    {
        /// <summary>Chosen from the key: RSA PKCS#1 v1.5, ECDSA or Ed25519.</summary>
        Default,
        RsaPkcs1,
        RsaPss,
        Ecdsa,
        Ed25519,
    }
}
