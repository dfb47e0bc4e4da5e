namespace SmimeTools.Engine.Policy
{
    /// <summary>What a certificate is wanted for in e-mail (RFC 8550 §4.4.2, RFC 8551 §2.5).</summary>
    public enum CertificateUsage
    {
        /// <summary>Signing mail: digitalSignature or nonRepudiation, emailProtection, and a key that can sign.</summary>
        Signing,
        /// <summary>Encrypting mail to the certificate: keyEncipherment (RSA) or keyAgreement (EC, X25519), and emailProtection.</summary>
        Encryption,
    }
}
