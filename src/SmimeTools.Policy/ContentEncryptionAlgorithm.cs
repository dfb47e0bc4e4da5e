namespace SmimeTools.Engine.Policy
{
    /// <summary>Bulk encryption of message content. The GCM and ChaCha20 kinds are AuthEnvelopedData (RFC 5083).</summary>
    public enum ContentEncryptionAlgorithm
    {
        Aes256Cbc,
        Aes192Cbc,
        Aes128Cbc,
        Aes256Gcm,
        Aes192Gcm,
        Aes128Gcm,
        ChaCha20Poly1305,
        /// <summary>Weak: read for old archives, written only with an explicit opt-in.</summary>
        TripleDesCbc,
        /// <summary>Weak: read for old archives, written only with an explicit opt-in.</summary>
        Rc2Cbc,
        /// <summary>Weak: read for old archives, written only with an explicit opt-in.</summary>
        DesCbc,
    }
}
