using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A certificate's private key wherever it lives. Software, store and token keys derive from this;
    /// it is public so other key types can be added without touching the CMS code.
    /// </summary>
    public abstract class PrivateKey : ISigningKey, IKeyDecryptor, IDisposable
    {
        protected PrivateKey(X509Certificate2 certificate)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
            Algorithm = KeyAlgorithms.Of(certificate);
            KeySize = KeyAlgorithms.SizeOf(certificate);
        }

        public X509Certificate2 Certificate { get; }

        public KeyAlgorithmKind Algorithm { get; }

        /// <summary>Key size in bits (modulus for RSA, field size for EC, 256 for Ed25519/X25519).</summary>
        public int KeySize { get; }

        public abstract KeyLocation Location { get; }

        public virtual bool CanSignInParallel => true;

        /// <summary>The signature algorithm used when the caller does not choose one.</summary>
        public SignatureAlgorithm DefaultSignatureAlgorithm => Algorithm switch
        {
            KeyAlgorithmKind.Rsa => SignatureAlgorithm.RsaPkcs1,
            KeyAlgorithmKind.Ec => SignatureAlgorithm.Ecdsa,
            KeyAlgorithmKind.Ed25519 => SignatureAlgorithm.Ed25519,
            _ => throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                $"The key of '{Certificate.Subject}' ({Algorithm}) cannot sign.", "Use a certificate with an RSA, EC or Ed25519 key.", Certificate),
        };

        public abstract byte[] Sign(ReadOnlySpan<byte> data, DigestAlgorithm digest, SignatureAlgorithm algorithm);

        public abstract byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding);

        public abstract byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo);

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
        }

        protected SmimeException Unsupported(string what) =>
            new(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidOperation,
                $"The {Algorithm} key of '{Certificate.Subject}' cannot {what}.", null, Certificate);
    }
}
