namespace SmimeTools.Engine.Policy
{
    /// <summary>How Update-SmimeEncryption moves an encrypted message to new keys.</summary>
    public enum EncryptionUpdateMode
    {
        /// <summary>Wrap the message's content key for the new recipients too; the encrypted content is copied as it is (fast).</summary>
        AddRecipient,

        /// <summary>Decrypt and encrypt again with a fresh content key and today's algorithm; old recipients may be dropped.</summary>
        Reencrypt,
    }
}
