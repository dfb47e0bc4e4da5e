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

        /// <summary>
        /// RSA key transport: decrypts the encrypted content-encryption key. An encrypted key that does not decrypt (bad
        /// padding, wrong length, whatever the token calls it) must be a <see cref="CryptographicException"/> and nothing
        /// else, so the CMS layer can hide it (RFC 3218 §2.3.2); <see cref="SmimeException"/> is for a key that cannot be
        /// used at all (token gone, login refused), whatever the message.
        /// </summary>
        byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding);

        /// <summary>
        /// Key agreement: the raw shared secret (Z) between this key and the originator's public key,
        /// given as a DER SubjectPublicKeyInfo.
        /// </summary>
        byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo);
    }
}
