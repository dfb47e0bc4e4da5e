using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A private key that can recover a content-encryption key: by RSA key transport, or by key agreement
    /// (ECDH, X25519) returning the raw shared secret for the CMS layer's KDF and key unwrap.
    /// </summary>
    public interface IKeyDecryptor
    {
        X509Certificate2 Certificate { get; }

        KeyAlgorithmKind Algorithm { get; }

        /// <summary>RSA key transport: decrypts the encrypted content-encryption key.</summary>
        byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding);

        /// <summary>
        /// Key agreement: the raw shared secret (Z) between this key and the originator's public key,
        /// given as a DER SubjectPublicKeyInfo.
        /// </summary>
        byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo);
    }
}
