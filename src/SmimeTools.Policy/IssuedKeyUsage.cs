namespace SmimeTools.Engine.Policy
{
    /// <summary>What a certificate issued by the local CA is for: it decides its key usage bits.</summary>
    public enum IssuedKeyUsage
    {
        /// <summary>Signing and encryption: digitalSignature and keyEncipherment (RSA) or keyAgreement (EC).</summary>
        Both,
        /// <summary>Signing only: digitalSignature.</summary>
        Signing,
        /// <summary>Encryption only: keyEncipherment (RSA) or keyAgreement (EC).</summary>
        Encryption,
    }
}
