namespace SmimeTools.Commands
{
    /// <summary>How a certificate alone is written to a file.</summary>
    public enum CertificateFileFormat
    {
        /// <summary>Binary DER, as .cer files usually are.</summary>
        Der,
        /// <summary>Base64 text between -----BEGIN CERTIFICATE----- lines.</summary>
        Pem,
    }
}
