using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A decryption key that is opened on first use. Offering every identity of a store costs nothing this way: the CMS
    /// layer matches recipients by certificate, and only the key that fits is ever opened (no PIN prompt for the others).
    /// </summary>
    public sealed class DeferredKeyDecryptor : IKeyDecryptor, IDisposable
    {
        private readonly Func<X509Certificate2, PrivateKey> _open;
        private PrivateKey? _key;

        public DeferredKeyDecryptor(X509Certificate2 certificate, Func<X509Certificate2, PrivateKey>? open = null)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
            Algorithm = KeyAlgorithms.Of(certificate);
            _open = open ?? (c => PrivateKeys.Open(c));
        }

        public X509Certificate2 Certificate { get; }

        public KeyAlgorithmKind Algorithm { get; }

        /// <summary>True once the key has been opened.</summary>
        public bool IsOpen => _key != null;

        public byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding)
        {
            _key ??= _open(Certificate);
            return _key.DecryptKey(encryptedKey, padding);
        }

        public byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo)
        {
            _key ??= _open(Certificate);
            return _key.Agree(originatorPublicKeyInfo);
        }

        public void Dispose()
        {
            _key?.Dispose();
            _key = null;
        }
    }
}
