using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Hashes content with several digest algorithms at once, in one pass. The common digests go through
    /// .NET's IncrementalHash (OpenSSL, SHA-NI underneath); SHA-224, which .NET lacks, through BouncyCastle.
    /// </summary>
    internal sealed class SignedDataDigester : IDisposable
    {
        private readonly Dictionary<string, Hasher> _hashers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, byte[]> _results = new(StringComparer.Ordinal);

        /// <summary>True when content can be hashed with the digest <paramref name="oid"/>.</summary>
        public static bool IsSupported(string oid) => CmsOid.TryGetDigest(oid, out _);

        /// <summary>The digest of <paramref name="data"/>.</summary>
        public static byte[] Hash(string oid, ReadOnlySpan<byte> data)
        {
            using var hasher = Hasher.Create(oid);
            hasher.Append(data);
            return hasher.Finish();
        }

        public static byte[] Hash(DigestAlgorithm digest, ReadOnlySpan<byte> data) => Hash(AlgorithmOids.Of(digest), data);

        /// <summary>The digest length in bytes.</summary>
        public static int SizeOf(DigestAlgorithm digest) => digest switch
        {
            DigestAlgorithm.Md5 => 16,
            DigestAlgorithm.Sha1 => 20,
            DigestAlgorithm.Sha224 => 28,
            DigestAlgorithm.Sha256 => 32,
            DigestAlgorithm.Sha384 => 48,
            DigestAlgorithm.Sha512 => 64,
            _ => throw new ArgumentOutOfRangeException(nameof(digest), digest, null),
        };

        /// <summary>Adds a digest to compute; unsupported and repeated ones are ignored.</summary>
        public void Add(string oid)
        {
            if (!_hashers.ContainsKey(oid) && IsSupported(oid))
            {
                _hashers.Add(oid, Hasher.Create(oid));
            }
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            foreach (var hasher in _hashers.Values)
            {
                hasher.Append(data);
            }
        }

        /// <summary>The digest of everything appended, or null when <paramref name="oid"/> was not added or is unsupported.</summary>
        public byte[]? GetDigest(string oid)
        {
            if (_results.TryGetValue(oid, out var done))
            {
                return done;
            }

            if (!_hashers.TryGetValue(oid, out var hasher))
            {
                return null;
            }

            var result = hasher.Finish();
            _results.Add(oid, result);
            return result;
        }

        public void Dispose()
        {
            foreach (var hasher in _hashers.Values)
            {
                hasher.Dispose();
            }

            _hashers.Clear();
        }

        private sealed class Hasher : IDisposable
        {
            private readonly IncrementalHash? _dotNet;
            private readonly IDigest? _bouncyCastle;

            private Hasher(IncrementalHash? dotNet, IDigest? bouncyCastle)
            {
                _dotNet = dotNet;
                _bouncyCastle = bouncyCastle;
            }

            public static Hasher Create(string oid) => oid switch
            {
                CmsOid.Sha256 => new Hasher(IncrementalHash.CreateHash(HashAlgorithmName.SHA256), null),
                CmsOid.Sha384 => new Hasher(IncrementalHash.CreateHash(HashAlgorithmName.SHA384), null),
                CmsOid.Sha512 => new Hasher(IncrementalHash.CreateHash(HashAlgorithmName.SHA512), null),
                CmsOid.Sha1 => new Hasher(IncrementalHash.CreateHash(HashAlgorithmName.SHA1), null),
                CmsOid.Md5 => new Hasher(IncrementalHash.CreateHash(HashAlgorithmName.MD5), null),
                CmsOid.Sha224 => new Hasher(null, new Sha224Digest()),
                _ => throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidOperation,
                    $"The digest algorithm {CmsOid.FriendlyName(oid)} is not supported."),
            };

            public void Append(ReadOnlySpan<byte> data)
            {
                if (_dotNet != null)
                {
                    _dotNet.AppendData(data);
                }
                else
                {
                    _bouncyCastle!.BlockUpdate(data);
                }
            }

            public byte[] Finish()
            {
                if (_dotNet != null)
                {
                    return _dotNet.GetHashAndReset();
                }

                var result = new byte[_bouncyCastle!.GetDigestSize()];
                _bouncyCastle.DoFinal(result, 0);
                return result;
            }

            public void Dispose() => _dotNet?.Dispose();
        }
    }
}
