using System;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// What is read off a certificate again for every message of a pipeline (its key size, its public key as .NET holds
    /// it, its BouncyCastle structure), kept with the certificate object for as long as that object lives. Decoding a
    /// public key costs OpenSSL 3 about 0.3 ms, far more than the RSA public operation, and was done two or three times a
    /// message for the same signer or recipient. The shared keys are used under <see cref="Entry"/>'s lock, as .NET does
    /// not promise that one key object may serve several threads at once; they are never disposed by their users.
    /// </summary>
    internal static class CertificateKeyMemo
    {
        private static readonly ConditionalWeakTable<X509Certificate2, Entry> Entries = new();

        public static Entry Of(X509Certificate2 certificate) => Entries.GetValue(certificate, c => new Entry(c));

        internal sealed class Entry
        {
            private readonly X509Certificate2 _certificate;
            private readonly Lazy<int> _size;
            private readonly Lazy<X509CertificateStructure> _structure;
            private readonly Lazy<RSA?> _rsa;
            private readonly Lazy<ECDsa?> _ecdsa;

            public Entry(X509Certificate2 certificate)
            {
                _certificate = certificate;
                _rsa = new Lazy<RSA?>(() => KeyAlgorithms.Of(_certificate) == KeyAlgorithmKind.Rsa ? _certificate.GetRSAPublicKey() : null);
                _ecdsa = new Lazy<ECDsa?>(() => KeyAlgorithms.Of(_certificate) == KeyAlgorithmKind.Ec ? _certificate.GetECDsaPublicKey() : null);
                _size = new Lazy<int>(ReadSize);
                _structure = new Lazy<X509CertificateStructure>(() => X509CertificateStructure.GetInstance(_certificate.RawData));
            }

            /// <summary>Key size in bits; 0 when unknown.</summary>
            public int KeySize => _size.Value;

            /// <summary>The certificate as BouncyCastle's ASN.1 classes hold it (immutable).</summary>
            public X509CertificateStructure Structure => _structure.Value;

            /// <summary>The RSA public key, shared: use it under <c>lock (entry)</c> and never dispose it. Null for other keys.</summary>
            public RSA? Rsa => _rsa.Value;

            /// <summary>The ECDSA public key, shared like <see cref="Rsa"/>; null for other keys, and where .NET does not know the curve.</summary>
            /// <exception cref="CryptographicException">The key cannot be read.</exception>
            public ECDsa? Ecdsa => _ecdsa.Value;

            private int ReadSize()
            {
                switch (KeyAlgorithms.Of(_certificate))
                {
                    case KeyAlgorithmKind.Rsa:
                        return Rsa?.KeySize ?? 0;
                    case KeyAlgorithmKind.Ec:
                        return Ecdsa?.KeySize ?? 0;
                    case KeyAlgorithmKind.Ed25519:
                    case KeyAlgorithmKind.X25519:
                        return 256;
                    case KeyAlgorithmKind.Ed448:
                    case KeyAlgorithmKind.X448:
                        return 448;
                    default:
                        return 0;
                }
            }
        }
    }
}
