using System;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Certificates carried by signed messages, decoded once per distinct encoding: a pipeline of messages from one
    /// signer carries the same certificates in every message, and OpenSSL takes about 0.3 ms to decode each. Sharing the
    /// object also lets what is memoised per certificate object (its public key: <see cref="Keys.CertificateKeyMemo"/>)
    /// serve every message. At most <see cref="Capacity"/> encodings are kept; a certificate disposed by its user since
    /// is decoded again.
    /// </summary>
    internal static class DecodedCertificates
    {
        private const int Capacity = 512;

        private static readonly ConcurrentDictionary<string, X509Certificate2> Cache = new(StringComparer.Ordinal);

        /// <exception cref="CryptographicException">The encoding is not a certificate .NET can read (nor PKCS#12: <see cref="DerCertificate"/>).</exception>
        public static X509Certificate2 Decode(byte[] der)
        {
            var key = Convert.ToHexString(SHA256.HashData(der));
            if (Cache.TryGetValue(key, out var cached) && cached.Handle != IntPtr.Zero)
            {
                return cached;
            }

            var certificate = DerCertificate.Load(der);
            if (Cache.Count >= Capacity)
            {
                Cache.Clear();
            }

            Cache[key] = certificate;
            return certificate;
        }
    }
}
