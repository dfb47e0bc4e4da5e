using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Keys
{
    /// <summary>Reads the key family and size off a certificate.</summary>
    public static class KeyAlgorithms
    {
        public const string RsaOid = AlgorithmOids.Rsa;
        public const string EcOid = AlgorithmOids.EcPublicKey;
        public const string Ed25519Oid = AlgorithmOids.Ed25519;
        public const string X25519Oid = AlgorithmOids.X25519;
        public const string Ed448Oid = AlgorithmOids.Ed448;
        public const string X448Oid = AlgorithmOids.X448;

        public static KeyAlgorithmKind Of(X509Certificate2 certificate) => certificate.PublicKey.Oid.Value switch
        {
            RsaOid => KeyAlgorithmKind.Rsa,
            EcOid => KeyAlgorithmKind.Ec,
            Ed25519Oid => KeyAlgorithmKind.Ed25519,
            X25519Oid => KeyAlgorithmKind.X25519,
            Ed448Oid => KeyAlgorithmKind.Ed448,
            X448Oid => KeyAlgorithmKind.X448,
            _ => KeyAlgorithmKind.Unknown,
        };

        /// <summary>Key size in bits; 0 when unknown. Read once per certificate object (<see cref="CertificateKeyMemo"/>).</summary>
        public static int SizeOf(X509Certificate2 certificate) => CertificateKeyMemo.Of(certificate).KeySize;
    }
}
