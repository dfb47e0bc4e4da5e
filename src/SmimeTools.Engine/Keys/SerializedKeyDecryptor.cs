using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A key used by one thread at a time, for the workers of a parallel job: keys of ours that are safe to share (software
    /// keys, and token keys, which give each worker a session of its own) go as they are; any other key takes turns.
    /// </summary>
    internal sealed class SerializedKeyDecryptor : IKeyDecryptor
    {
        private readonly IKeyDecryptor _key;
        private readonly object _gate = new();

        public SerializedKeyDecryptor(IKeyDecryptor key) => _key = key ?? throw new ArgumentNullException(nameof(key));

        public X509Certificate2 Certificate => _key.Certificate;

        public KeyAlgorithmKind Algorithm => _key.Algorithm;

        /// <summary>Keys that can be shared as they are are returned unwrapped; a deferred key takes turns by itself when it must.</summary>
        public static IKeyDecryptor For(IKeyDecryptor key) =>
            key is PrivateKey { CanSignInParallel: true } or SerializedKeyDecryptor or DeferredKeyDecryptor ? key : new SerializedKeyDecryptor(key);

        public byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding)
        {
            lock (_gate)
            {
                return _key.DecryptKey(encryptedKey, padding);
            }
        }

        public byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo)
        {
            lock (_gate)
            {
                return _key.Agree(originatorPublicKeyInfo);
            }
        }
    }
}
