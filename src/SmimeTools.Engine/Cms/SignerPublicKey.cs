using System;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// A signer certificate's public key in the form its verification uses: .NET for RSA and ECDSA (fast, and
    /// without BouncyCastle's per-key RSA modulus checks), BouncyCastle for DSA and Ed25519.
    /// </summary>
    internal sealed class SignerPublicKey : IDisposable
    {
        private readonly bool _shared;

        private SignerPublicKey(RSA? rsa, ECDsa? ecdsa, AsymmetricKeyParameter? bouncyCastle, int size, object? sharedGate = null)
        {
            Rsa = rsa;
            Ecdsa = ecdsa;
            BouncyCastle = bouncyCastle;
            Size = size;
            _shared = sharedGate != null;
            Gate = sharedGate ?? this;
        }

        /// <summary>
        /// What to lock while verifying with the key: .NET keys are shared by every use of the same certificate object
        /// (<see cref="CertificateKeyMemo"/>), and .NET does not promise that one key object may serve several threads.
        /// </summary>
        public object Gate { get; }

        public RSA? Rsa { get; }

        public ECDsa? Ecdsa { get; }

        /// <summary>The key for BouncyCastle: DSA (with inherited parameters resolved), Ed25519, or EC on curves .NET lacks.</summary>
        public AsymmetricKeyParameter? BouncyCastle { get; }

        /// <summary>Key size in bits; 0 when unknown.</summary>
        public int Size { get; }

        /// <summary>What the key is called in messages.</summary>
        public string Name => Rsa != null ? "RSA" : Ecdsa != null ? "EC" : BouncyCastle switch
        {
            DsaPublicKeyParameters => "DSA",
            Ed25519PublicKeyParameters => "Ed25519",
            ECPublicKeyParameters => "EC",
            _ => "unknown",
        };

        /// <summary>The public key of <paramref name="certificate"/>, or null (with why) when it cannot be used.</summary>
        /// <param name="certificate">The signer's certificate.</param>
        /// <param name="inheritedDsaParameters">Finds the issuer's DSA parameters for a key that inherits them (RFC 3279 §2.3.2).</param>
        /// <param name="problem">Why there is no key.</param>
        public static SignerPublicKey? Create(X509Certificate2 certificate, Func<X509Certificate2, DsaParameters?> inheritedDsaParameters, out string? problem)
        {
            problem = null;
            string? oid = certificate.PublicKey.Oid.Value;
            try
            {
                switch (oid)
                {
                    case CmsOid.RsaEncryption:
                        var memo = CertificateKeyMemo.Of(certificate);
                        if (memo.Rsa is { } rsa)
                        {
                            return new SignerPublicKey(rsa, null, null, rsa.KeySize, memo);
                        }

                        break;
                    case CmsOid.EcPublicKey:
                        var ecMemo = CertificateKeyMemo.Of(certificate);
                        if (TryDotNetEcdsa(ecMemo) is { } ecdsa)
                        {
                            return new SignerPublicKey(null, ecdsa, null, ecdsa.KeySize, ecMemo);
                        }

                        break;
                }

                var key = PublicKeyFactory.CreateKey(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(certificate.RawData)).SubjectPublicKeyInfo);
                switch (key)
                {
                    case DsaPublicKeyParameters dsa:
                        var parameters = dsa.Parameters ?? inheritedDsaParameters(certificate);
                        return new SignerPublicKey(null, null, parameters == null ? dsa : new DsaPublicKeyParameters(dsa.Y, parameters), parameters?.P.BitLength ?? 0);
                    case Ed25519PublicKeyParameters:
                        return new SignerPublicKey(null, null, key, 256);
                    case ECPublicKeyParameters ec:
                        return new SignerPublicKey(null, null, key, ec.Parameters.Curve.FieldSize);
                }
            }
            catch (Exception e) when (e is CryptographicException or IOException or ArgumentException or InvalidCastException
                or ArithmeticException or InvalidOperationException or SecurityUtilityException)
            {
                problem = $"the public key of the signer's certificate cannot be read ({e.Message})";
                return null;
            }

            problem = $"the signer's {certificate.PublicKey.Oid.FriendlyName ?? oid} key is not supported";
            return null;
        }

        /// <summary>Nothing for a shared .NET key: it lives as long as its certificate object.</summary>
        public void Dispose()
        {
            if (!_shared)
            {
                Rsa?.Dispose();
                Ecdsa?.Dispose();
            }
        }

        private static ECDsa? TryDotNetEcdsa(CertificateKeyMemo.Entry memo)
        {
            try
            {
                return memo.Ecdsa;
            }
            catch (CryptographicException)
            {
                // A curve this platform does not know: BouncyCastle takes over.
                return null;
            }
        }
    }
}
