namespace SmimeTools.Engine.Keys
{
    /// <summary>The family of a certificate's key.</summary>
    public enum KeyAlgorithmKind
    {
        Unknown,
        Rsa,
        /// <summary>An elliptic-curve key on a NIST curve: ECDSA to sign, ECDH to receive.</summary>
        Ec,
        Ed25519,
        X25519,
        Ed448,
        X448,
    }
}
