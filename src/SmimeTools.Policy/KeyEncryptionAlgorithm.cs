namespace SmimeTools.Engine.Policy
{
    /// <summary>How the content-encryption key reaches an RSA recipient. EC and X25519 recipients always use key agreement.</summary>
    public enum KeyEncryptionAlgorithm
    {
        /// <summary>RSA PKCS#1 v1.5 key transport: what every client reads.</summary>
        RsaPkcs1,
        /// <summary>RSA-OAEP with SHA-256 and MGF1-SHA-256 (RFC 8017, RFC 4055).</summary>
        RsaOaepSha256,
    }
}
