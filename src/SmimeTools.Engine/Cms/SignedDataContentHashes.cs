using System;
using System.Collections.Generic;
using System.IO;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// The digests of signed content, computed while it streams past, and a way to get at the content again
    /// for the rare signer that needs more than the digests announced up front (a digest missing from
    /// digestAlgorithms, Ed25519 without signed attributes): a small in-memory replay, or re-reading a
    /// seekable output.
    /// </summary>
    internal sealed class SignedDataContentHashes : IDisposable
    {
        /// <summary>Content larger than this is never held in memory whole (Ed25519 without signed attributes needs it whole).</summary>
        public const long MaxContentInMemory = 64 * 1024 * 1024;

        private readonly SignedDataDigester _digester = new();
        private readonly long _replayLimit;
        private MemoryStream? _replay;
        private Stream? _reread;
        private long _rereadStart;

        public SignedDataContentHashes(IEnumerable<string> digestOids, long replayLimit)
        {
            foreach (var oid in digestOids)
            {
                _digester.Add(oid);
            }

            _replayLimit = replayLimit;
            _replay = replayLimit > 0 ? new MemoryStream() : null;
        }

        /// <summary>Content bytes seen.</summary>
        public long Length { get; private set; }

        /// <summary>Hashes for content that is wholly in memory (a countersignature's signature value).</summary>
        public static SignedDataContentHashes FromBytes(byte[] content, IEnumerable<string> digestOids)
        {
            var hashes = new SignedDataContentHashes(digestOids, MaxContentInMemory);
            hashes.Append(content);
            return hashes;
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            _digester.Append(data);
            Length += data.Length;
            if (_replay != null)
            {
                if (_replay.Length + data.Length > _replayLimit)
                {
                    _replay.Dispose();
                    _replay = null;
                }
                else
                {
                    _replay.Write(data);
                }
            }
        }

        /// <summary>Lets the content be read again from <paramref name="output"/> (seekable and readable), where it starts at <paramref name="start"/>.</summary>
        public void AllowReread(Stream output, long start)
        {
            if (output.CanSeek && output.CanRead)
            {
                _reread = output;
                _rereadStart = start;
            }
        }

        /// <summary>The digest of the content, or null when the algorithm is unsupported or the content cannot be read again for it.</summary>
        public byte[]? GetDigest(string oid)
        {
            var digest = _digester.GetDigest(oid);
            if (digest != null || !SignedDataDigester.IsSupported(oid))
            {
                return digest;
            }

            if (_replay != null)
            {
                return SignedDataDigester.Hash(oid, _replay.GetBuffer().AsSpan(0, (int)_replay.Length));
            }

            if (_reread == null)
            {
                return null;
            }

            using var digester = new SignedDataDigester();
            digester.Add(oid);
            ReadAgain(digester.Append);
            return digester.GetDigest(oid);
        }

        /// <summary>The whole content, or null when it is too large or cannot be read again.</summary>
        public byte[]? GetContent()
        {
            if (_replay != null)
            {
                return _replay.ToArray();
            }

            if (_reread == null || Length > MaxContentInMemory)
            {
                return null;
            }

            var content = new MemoryStream((int)Length);
            ReadAgain(span => content.Write(span));
            return content.ToArray();
        }

        public void Dispose()
        {
            _digester.Dispose();
            _replay?.Dispose();
        }

        private delegate void SpanAction(ReadOnlySpan<byte> data);

        private void ReadAgain(SpanAction sink)
        {
            long saved = _reread!.Position;
            try
            {
                _reread.Position = _rereadStart;
                var buffer = new byte[64 * 1024];
                long remaining = Length;
                while (remaining > 0)
                {
                    int n = _reread.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                    if (n == 0)
                    {
                        break;
                    }

                    sink(buffer.AsSpan(0, n));
                    remaining -= n;
                }
            }
            finally
            {
                _reread.Position = saved;
            }
        }
    }
}
