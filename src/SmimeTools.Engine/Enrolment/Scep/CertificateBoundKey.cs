using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>
    /// A key shown with another certificate object for the same public key: the transient self-signed certificate a
    /// PKCSReq is signed with, made after the key was opened (the key had to sign it).
    /// </summary>
    internal sealed class CertificateBoundKey : ISigningKey, IKeyDecryptor
    {
        private readonly PrivateKey _key;

        public CertificateBoundKey(PrivateKey key, X509Certificate2 certificate)
        {
            _key = key;
            Certificate = certificate;
        }

        public X509Certificate2 Certificate { get; }

        public KeyAlgorithmKind Algorithm => _key.Algorithm;

        public bool CanSignInParallel => _key.CanSignInParallel;

        public byte[] Sign(ReadOnlySpan<byte> data, DigestAlgorithm digest, SignatureAlgorithm algorithm) => _key.Sign(data, digest, algorithm);

        public byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding) => _key.DecryptKey(encryptedKey, padding);

        public byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo) => _key.Agree(originatorPublicKeyInfo);
    }
}
