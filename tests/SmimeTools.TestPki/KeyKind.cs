namespace SmimeTools.TestPki
{
    /// <summary>The kinds of key pair the test PKI makes.</summary>
    internal enum KeyKind
    {
        Rsa,
        EcP256,
        EcP384,
        EcP521,
        Ed25519,
        X25519,
    }
}
