namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// What vouches that a message's content is the one its sender made (EFAIL: CBC encryption alone does not, so changed
    /// ciphertext decrypts to changed plaintext without any error).
    /// </summary>
    public enum ContentIntegrity
    {
        /// <summary>Nothing does: CBC-encrypted (EnvelopedData) or compressed content with no signature that verifies over it.</summary>
        None,

        /// <summary>
        /// Get-SmimeMessage only: the encryption (CBC) does not, and whether a signature inside it does cannot be seen without the key.
        /// </summary>
        Unknown,

        /// <summary>Authenticated encryption (AuthEnvelopedData: AES-GCM, ChaCha20-Poly1305): the tag matched the content.</summary>
        AuthenticatedEncryption,

        /// <summary>
        /// A signature over the content (inside the encryption, or over the encrypted layer itself) verifies with its
        /// certificate's key. Whether that signer is trusted is Test-SmimeSignature's question.
        /// </summary>
        Signed,
    }
}
