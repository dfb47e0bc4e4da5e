using System;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>A certificate found in a source, with where it came from and where its key is.</summary>
    public sealed class CertificateEntry
    {
        /// <summary>A certificate from <paramref name="source"/>, with its private key as the source knows it (null for none).</summary>
        public CertificateEntry(X509Certificate2 certificate, KeyReference? key, string source)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
            if (key != null && !ReferenceEquals(key.Certificate, certificate))
            {
                throw new ArgumentException("The key reference belongs to another certificate object.", nameof(key));
            }

            Key = key;
            Source = source;
        }

        /// <summary>An identity: the certificate the key belongs to, with its key.</summary>
        public CertificateEntry(KeyReference key, string source)
            : this((key ?? throw new ArgumentNullException(nameof(key))).Certificate, key, source)
        {
        }

        public X509Certificate2 Certificate { get; }

        /// <summary>Where the private key is; <see cref="PrivateKeys.Open"/> opens it. Null when none comes with the certificate.</summary>
        public KeyReference? Key { get; }

        public KeyLocation KeyLocation => Key?.Location ?? KeyLocation.None;

        /// <summary>The file path, store path, directory URI or token the certificate was read from.</summary>
        public string Source { get; }
    }
}
