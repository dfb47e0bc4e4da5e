using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>A certificate bag with its attributes.</summary>
    internal sealed class Pkcs12CertificateEntry
    {
        public Pkcs12CertificateEntry(BcCertificate certificate, byte[]? localKeyId, string? friendlyName)
        {
            Certificate = certificate;
            LocalKeyId = localKeyId;
            FriendlyName = friendlyName;
        }

        public BcCertificate Certificate { get; }

        public byte[]? LocalKeyId { get; }

        public string? FriendlyName { get; }
    }
}
