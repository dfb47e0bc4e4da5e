using Org.BouncyCastle.Crypto;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>A private key of a PKCS#12 file and the certificate paired with it (null when the file has none for it).</summary>
    internal sealed class Pkcs12KeyEntry
    {
        public Pkcs12KeyEntry(AsymmetricKeyParameter key, byte[]? localKeyId, string? friendlyName)
        {
            Key = key;
            LocalKeyId = localKeyId;
            FriendlyName = friendlyName;
        }

        public AsymmetricKeyParameter Key { get; }

        public byte[]? LocalKeyId { get; }

        public string? FriendlyName { get; }

        public BcCertificate? Certificate { get; set; }
    }
}
