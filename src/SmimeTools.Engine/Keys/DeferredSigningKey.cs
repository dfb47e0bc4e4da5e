using System;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Tokens;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A signing key that is opened on first use, so that choosing a signer (and -WhatIf) never touches the key:
    /// no PIN prompt, no token login, no key handle until a signature is really made.
    /// </summary>
    public sealed class DeferredSigningKey : ISigningKey, IDisposable
    {
        private readonly Func<PrivateKey> _open;
        private readonly object _gate = new();
        private PrivateKey? _key;
        private bool _disposed;

        /// <summary>The key <paramref name="reference"/> names, opened through <see cref="PrivateKeys.Open"/> on first use.</summary>
        public DeferredSigningKey(KeyReference reference, Func<TokenInfo, SecureString?>? askPin = null)
            : this((reference ?? throw new ArgumentNullException(nameof(reference))).Certificate, () => PrivateKeys.Open(reference, askPin))
        {
        }

        /// <summary>The key of <paramref name="certificate"/> that <paramref name="open"/> opens on first use.</summary>
        public DeferredSigningKey(X509Certificate2 certificate, Func<PrivateKey> open)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
            Algorithm = KeyAlgorithms.Of(certificate);
            _open = open ?? throw new ArgumentNullException(nameof(open));
        }

        public X509Certificate2 Certificate { get; }

        public KeyAlgorithmKind Algorithm { get; }

        public bool CanSignInParallel => _key?.CanSignInParallel ?? false;

        /// <summary>True once the key has been opened.</summary>
        public bool IsOpen => _key != null;

        public byte[] Sign(ReadOnlySpan<byte> data, DigestAlgorithm digest, SignatureAlgorithm algorithm)
        {
            PrivateKey key;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                key = _key ??= _open();
            }

            return key.Sign(data, digest, algorithm);
        }

        /// <summary>Closes the key; it is not opened again. May come from another thread (a stopped pipeline) than the one signing.</summary>
        public void Dispose()
        {
            PrivateKey? key;
            lock (_gate)
            {
                _disposed = true;
                key = _key;
                _key = null;
            }

            key?.Dispose();
        }
    }
}
