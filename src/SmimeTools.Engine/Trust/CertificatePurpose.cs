namespace SmimeTools.Engine.Trust
{
    /// <summary>What the end-entity certificate must be allowed to do (its key usage and extended key usage, RFC 8550 §4.4).</summary>
    public enum CertificatePurpose
    {
        /// <summary>No end-entity usage check.</summary>
        Any,

        /// <summary>Signing e-mail: key usage digitalSignature or nonRepudiation; extended key usage emailProtection or anyExtendedKeyUsage.</summary>
        EmailSigning,

        /// <summary>Encrypting e-mail to it: key usage keyEncipherment (RSA) or keyAgreement (EC, X25519, X448); extended key usage emailProtection or anyExtendedKeyUsage.</summary>
        EmailEncryption,
    }
}
