using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Reads the operating system's certificate stores: Root for anchors (on Linux, LocalMachine\Root is the system CA
    /// bundle and CurrentUser\Root .NET's per-user store), CertificateAuthority for intermediates. Kept for a few minutes,
    /// so that validating many messages does not read the stores each time.
    /// </summary>
    internal static class TrustStores
    {
        private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
        private static readonly object Gate = new();
        private static readonly Dictionary<(StoreName, StoreLocation), (DateTime Read, IReadOnlyList<CertificateData> Certificates)> Cache = new();

        /// <summary>The store's certificates, decoded (those that do not decode are left out).</summary>
        public static IReadOnlyList<CertificateData> Read(StoreName name, StoreLocation location)
        {
            lock (Gate)
            {
                if (Cache.TryGetValue((name, location), out var cached) && DateTime.UtcNow - cached.Read < Lifetime)
                {
                    return cached.Certificates;
                }

                IReadOnlyList<CertificateData> certificates;
                try
                {
                    using var store = new X509Store(name, location);
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                    certificates = store.Certificates.Cast<X509Certificate2>()
                        .Select(c => CertificateData.TryCreate(c, out _))
                        .Where(c => c != null)
                        .Select(c => c!)
                        .ToList();
                }
                catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException or UnauthorizedAccessException)
                {
                    certificates = Array.Empty<CertificateData>();
                }

                Cache[(name, location)] = (DateTime.UtcNow, certificates);
                return certificates;
            }
        }
    }
}
