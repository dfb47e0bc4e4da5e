using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// One X.509 certificate from bytes of untrusted origin: a message's certificate set, a directory entry, a token
    /// object, a CA's reply. .NET's byte[] constructor also takes PKCS#7 and PKCS#12, and opens a PKCS#12 file without
    /// a password by running its key derivation (up to 600,000 iterations each time, .NET's legacy limit); so what
    /// is not a certificate is refused before it is loaded.
    /// </summary>
    internal static class DerCertificate
    {
        /// <exception cref="CryptographicException">When the bytes are not one certificate (DER, or PEM text).</exception>
        public static X509Certificate2 Load(byte[] data)
        {
            var kind = X509Certificate2.GetCertContentType(data);
            if (kind != X509ContentType.Cert)
            {
                throw new CryptographicException($"The data is not an X.509 certificate but {kind}.");
            }

#pragma warning disable SYSLIB0057 // X509CertificateLoader is net9+; the engine targets net8 for PowerShell 7.4.
            return new X509Certificate2(data);
#pragma warning restore SYSLIB0057
        }
    }
}
