using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A key used by one thread at a time: a token's session is not safe to share between the workers of a parallel
    /// job, so its operations take turns.
    /// </summary>
    internal sealed class SerializedKeyDecryptor : IKeyDecryptor
    {
        private readonly IKeyDecryptor _key;
        private readonly object _gate = new();

        public SerializedKeyDecryptor(IKeyDecryptor key) => _key = key ?? throw new ArgumentNullException(nameof(key));

        public X509Certificate2 Certificate => _key.Certificate;

        public KeyAlgorithmKind Algorithm => _key.Algorithm;

        /// <summary>Keys that can be shared as they are (software keys, opened now or on first use) are returned unwrapped.</summary>
        public static IKeyDecryptor For(IKeyDecryptor key) =>
            key is SoftwareKey or SerializedKeyDecryptor or DeferredKeyDecryptor { IsOnToken: false } ? key : new SerializedKeyDecryptor(key);

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
