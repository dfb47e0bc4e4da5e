using System;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Tokens;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A decryption key that is opened on first use. Offering every identity of a store costs nothing this way: the CMS
    /// layer matches recipients by certificate, and only the key that fits is ever opened (no PIN prompt for the others).
    /// </summary>
    public sealed class DeferredKeyDecryptor : IKeyDecryptor, IDisposable
    {
        private readonly Func<PrivateKey> _open;
        private readonly object _gate = new();
        private PrivateKey? _key;

        /// <summary>The key <paramref name="reference"/> names, opened through <see cref="PrivateKeys.Open"/> on first use.</summary>
        public DeferredKeyDecryptor(KeyReference reference, Func<TokenInfo, SecureString?>? askPin = null)
            : this((reference ?? throw new ArgumentNullException(nameof(reference))).Certificate, () => PrivateKeys.Open(reference, askPin))
        {
        }

        /// <summary>The key of <paramref name="certificate"/> that <paramref name="open"/> opens on first use.</summary>
        public DeferredKeyDecryptor(X509Certificate2 certificate, Func<PrivateKey> open)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
            Algorithm = KeyAlgorithms.Of(certificate);
            _open = open ?? throw new ArgumentNullException(nameof(open));
        }

        public X509Certificate2 Certificate { get; }

        public KeyAlgorithmKind Algorithm { get; }

        /// <summary>True once the key has been opened.</summary>
        public bool IsOpen => _key != null;

        public byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding)
        {
            var key = Key();
            if (key.CanSignInParallel)
            {
                return key.DecryptKey(encryptedKey, padding);
            }

            // A key that cannot work for several threads at once takes turns.
            lock (_gate)
            {
                return key.DecryptKey(encryptedKey, padding);
            }
        }

        public byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo)
        {
            var key = Key();
            if (key.CanSignInParallel)
            {
                return key.Agree(originatorPublicKeyInfo);
            }

            lock (_gate)
            {
                return key.Agree(originatorPublicKeyInfo);
            }
        }

        /// <summary>Opened once, even when several threads ask first.</summary>
        private PrivateKey Key()
        {
            lock (_gate)
            {
                return _key ??= _open();
            }
        }

        public void Dispose()
        {
            _key?.Dispose();
            _key = null;
        }
    }
}
