using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A key in this process's memory: from a PKCS#12 or PEM file, or the key .NET attached to an X509Certificate2.
    /// RSA and EC work through .NET (OpenSSL, CNG or Security.framework underneath); Ed25519 and X25519 through BouncyCastle.
    /// </summary>
    public sealed class SoftwareKey : PrivateKey
    {
        private readonly RSA? _rsa;
        private readonly ECDsa? _ecdsa;
        private readonly ECDiffieHellman? _ecdh;
        private readonly AsymmetricKeyParameter? _bouncyCastleKey;

        private SoftwareKey(X509Certificate2 certificate, RSA? rsa, ECDsa? ecdsa, ECDiffieHellman? ecdh, AsymmetricKeyParameter? bouncyCastleKey)
            : base(certificate)
        {
            _rsa = rsa;
            _ecdsa = ecdsa;
            _ecdh = ecdh;
            _bouncyCastleKey = bouncyCastleKey;
        }

        public override KeyLocation Location => KeyLocation.File;

        /// <summary>
        /// The key of a certificate object: its .NET key, and <paramref name="attached"/> (the key read from its file) for
        /// the kinds .NET cannot hold; null when there is none this process can use.
        /// </summary>
        private static SoftwareKey? TryCreate(X509Certificate2 certificate, AsymmetricKeyParameter? attached)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            switch (KeyAlgorithms.Of(certificate))
            {
                case KeyAlgorithmKind.Rsa:
                    var rsa = certificate.HasPrivateKey ? certificate.GetRSAPrivateKey() : null;
                    return rsa == null ? null : new SoftwareKey(certificate, rsa, null, null, attached);
                case KeyAlgorithmKind.Ec:
                    if (!certificate.HasPrivateKey)
                    {
                        return null;
                    }

                    var ecdsa = certificate.GetECDsaPrivateKey();
                    var ecdh = certificate.GetECDiffieHellmanPrivateKey() ?? EcdhFrom(ecdsa);
                    return ecdsa == null && ecdh == null ? null : new SoftwareKey(certificate, null, ecdsa, ecdh, attached);
                case KeyAlgorithmKind.Ed25519:
                case KeyAlgorithmKind.X25519:
                    return attached == null ? null : new SoftwareKey(certificate, null, null, null, attached);
                default:
                    return null;
            }
        }

        /// <summary>
        /// .NET hands out no ECDH key when the certificate's key usage lacks keyAgreement; old mail made for such
        /// certificates (OpenSSL does not check) still opens when the key can be exported from its ECDSA form.
        /// </summary>
        private static ECDiffieHellman? EcdhFrom(ECDsa? ecdsa)
        {
            if (ecdsa == null)
            {
                return null;
            }

            try
            {
                var parameters = ecdsa.ExportParameters(includePrivateParameters: true);
                try
                {
                    return ECDiffieHellman.Create(parameters);
                }
                finally
                {
                    if (parameters.D != null)
                    {
                        Array.Clear(parameters.D);
                    }
                }
            }
            catch (CryptographicException)
            {
                return null;
            }
        }

        /// <summary>The key of a certificate object (see <see cref="TryCreate"/>); a clear error when there is none.</summary>
        internal static SoftwareKey Create(X509Certificate2 certificate, AsymmetricKeyParameter? attached) =>
            TryCreate(certificate, attached) ?? throw new SmimeException(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidArgument,
                $"The certificate '{certificate.Subject}' ({certificate.Thumbprint}) comes without its private key.",
                "Give the certificate as read from its PKCS#12 or PEM key file (Get-SmimeCertificate -Password ...), or from a store that holds its key.",
                certificate);

        public override byte[] Sign(ReadOnlySpan<byte> data, DigestAlgorithm digest, SignatureAlgorithm algorithm)
        {
            if (algorithm == SignatureAlgorithm.Default)
            {
                algorithm = DefaultSignatureAlgorithm;
            }

            switch (algorithm)
            {
                case SignatureAlgorithm.RsaPkcs1 when _rsa != null:
                    return _rsa.SignData(data.ToArray(), HashName(digest), RSASignaturePadding.Pkcs1);
                case SignatureAlgorithm.RsaPss when _rsa != null:
                    return _rsa.SignData(data.ToArray(), HashName(digest), RSASignaturePadding.Pss);
                case SignatureAlgorithm.Ecdsa when _ecdsa != null:
                    return _ecdsa.SignData(data.ToArray(), HashName(digest), DSASignatureFormat.Rfc3279DerSequence);
                case SignatureAlgorithm.Ed25519 when _bouncyCastleKey is Ed25519PrivateKeyParameters ed25519:
                    var signer = new Ed25519Signer();
                    signer.Init(true, ed25519);
                    signer.BlockUpdate(data);
                    return signer.GenerateSignature();
                default:
                    throw Unsupported($"sign with {algorithm}");
            }
        }

        public override byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding)
        {
            if (_rsa == null)
            {
                throw Unsupported("decrypt by key transport");
            }

            return _rsa.Decrypt(encryptedKey.ToArray(), padding);
        }

        public override byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo)
        {
            if (_ecdh != null)
            {
                using var originator = ECDiffieHellman.Create();
                originator.ImportSubjectPublicKeyInfo(originatorPublicKeyInfo, out _);
                return _ecdh.DeriveRawSecretAgreement(originator.PublicKey);
            }

            if (_bouncyCastleKey is X25519PrivateKeyParameters x25519)
            {
                var originator = PublicKeyFactory.CreateKey(originatorPublicKeyInfo.ToArray()) as X25519PublicKeyParameters
                    ?? throw new CryptographicException("The originator key is not an X25519 key.");
                var agreement = new X25519Agreement();
                agreement.Init(x25519);
                var secret = new byte[agreement.AgreementSize];
                agreement.CalculateAgreement(originator, secret, 0);
                return secret;
            }

            throw Unsupported("agree a key");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _rsa?.Dispose();
                _ecdsa?.Dispose();
                _ecdh?.Dispose();
            }
        }

        internal static HashAlgorithmName HashName(DigestAlgorithm digest) => AlgorithmOids.HashNameOf(digest)
            ?? throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidArgument,
                $"The digest {digest} is not supported for signing here.", "Use SHA-256 (the default), SHA-384 or SHA-512.");
    }
}
