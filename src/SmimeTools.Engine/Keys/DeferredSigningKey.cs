using System;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A signing key that is opened on first use, so that choosing a signer (and -WhatIf) never touches the key:
    /// no PIN prompt, no token login, no key handle until a signature is really made.
    /// </summary>
    public sealed class DeferredSigningKey : ISigningKey, IDisposable
    {
        private readonly Func<X509Certificate2, PrivateKey> _open;
        private PrivateKey? _key;

        public DeferredSigningKey(X509Certificate2 certificate, Func<X509Certificate2, PrivateKey>? open = null)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
            Algorithm = KeyAlgorithms.Of(certificate);
            _open = open ?? (c => PrivateKeys.Open(c));
        }

        public X509Certificate2 Certificate { get; }

        public KeyAlgorithmKind Algorithm { get; }

        public bool CanSignInParallel => _key?.CanSignInParallel ?? false;

        /// <summary>True once the key has been opened.</summary>
        public bool IsOpen => _key != null;

        public byte[] Sign(ReadOnlySpan<byte> data, DigestAlgorithm digest, SignatureAlgorithm algorithm)
        {
            _key ??= _open(Certificate);
            return _key.Sign(data, digest, algorithm);
        }

        public void Dispose()
        {
            _key?.Dispose();
            _key = null;
        }
    }
}
