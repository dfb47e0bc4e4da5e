using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Path validations of one pipeline: a thousand messages from one signer build and check the signer's chain once.
    /// A result is reused only for the same options object, the same certificate, the same untrusted certificates and
    /// CRLs the message carried, and for <see cref="Lifetime"/> after it was made (so a long job sees a revocation); the
    /// options must not change while the cache is used.
    /// </summary>
    public sealed class ValidationCache
    {
        // A bound on what one pipeline keeps; past it the cache starts again.
        private const int MaximumEntries = 4096;

        private readonly ConcurrentDictionary<string, (ValidationOptions Options, PathValidationResult Result, long Made)> _results = new(StringComparer.Ordinal);

        /// <summary>How long a result is reused when the options validate at the current time.</summary>
        public TimeSpan Lifetime { get; init; } = TimeSpan.FromMinutes(5);

        /// <summary>How many validations were answered from the cache.</summary>
        public int Hits => _hits;

        private int _hits;

        /// <summary>What <see cref="PathValidator.Validate(X509Certificate2, IEnumerable{X509Certificate2}?, IEnumerable{byte[]}?, ValidationOptions, CancellationToken)"/> gives, once per distinct input.</summary>
        public PathValidationResult Validate(X509Certificate2 certificate, IEnumerable<X509Certificate2>? untrustedCertificates,
            IEnumerable<byte[]>? untrustedCrls, ValidationOptions options, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            ArgumentNullException.ThrowIfNull(options);
            var certificates = untrustedCertificates?.ToList() ?? new List<X509Certificate2>();
            var crls = untrustedCrls?.ToList() ?? new List<byte[]>();
            var key = string.Join('|', Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)),
                string.Join(',', certificates.Select(c => Convert.ToHexString(c.GetCertHash(HashAlgorithmName.SHA256))).Distinct().Order(StringComparer.Ordinal)),
                string.Join(',', crls.Select(c => Convert.ToHexString(SHA256.HashData(c))).Distinct().Order(StringComparer.Ordinal)));
            var now = Environment.TickCount64;
            if (_results.TryGetValue(key, out var known) && ReferenceEquals(known.Options, options)
                && (options.At != null || now - known.Made < (long)Lifetime.TotalMilliseconds))
            {
                Interlocked.Increment(ref _hits);
                return known.Result;
            }

            var result = PathValidator.Validate(certificate, certificates, crls, options, cancellationToken);
            if (_results.Count >= MaximumEntries)
            {
                _results.Clear();
            }

            _results[key] = (options, result, now);
            return result;
        }
    }
}
