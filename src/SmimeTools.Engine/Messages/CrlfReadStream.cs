using System;
using System.IO;
using System.Threading;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Reads a range of a seekable stream with every bare LF as CRLF (lone CRs stay): the canonical line ends of
    /// RFC 8551 §3.1.1, a chunk at a time. An LF at the start of the range counts as bare unless a CR stands before
    /// it in the source.
    /// </summary>
    internal sealed class CrlfReadStream : ForwardReadStream
    {
        private const int ChunkSize = 1 << 16;

        private readonly Stream _source;
        private readonly CancellationToken _cancellationToken;
        private readonly byte[] _chunk = new byte[ChunkSize];
        private readonly byte[] _converted = new byte[ChunkSize * 2];
        private long _next;
        private readonly long _end;
        private byte _previous;
        private int _offset;
        private int _count;

        public CrlfReadStream(Stream source, long start, long end, CancellationToken cancellationToken = default)
        {
            _source = source ?? throw new ArgumentNullException(nameof(source));
            _next = start;
            _end = end;
            _cancellationToken = cancellationToken;
            if (start > 0)
            {
                source.Position = start - 1;
                _previous = (byte)Math.Max(0, source.ReadByte());
            }
        }

        public override int Read(Span<byte> buffer)
        {
            if (_count == 0 && !Fill())
            {
                return 0;
            }

            var n = Math.Min(buffer.Length, _count);
            _converted.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            _count -= n;
            return n;
        }

        /// <summary>Reads and converts the next chunk; false at the end of the range.</summary>
        private bool Fill()
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_next >= _end)
            {
                return false;
            }

            // Other readers of the source (the parser's bound streams) may have moved it.
            _source.Position = _next;
            var read = _source.Read(_chunk, 0, (int)Math.Min(_chunk.Length, _end - _next));
            if (read == 0)
            {
                return false;
            }

            _next += read;
            var chunk = _chunk.AsSpan(0, read);
            var output = _converted.AsSpan();
            var written = 0;
            var from = 0;
            var search = 0;
            while (true)
            {
                var found = chunk[search..].IndexOf((byte)'\n');
                if (found < 0)
                {
                    break;
                }

                var at = search + found;
                var before = at > 0 ? chunk[at - 1] : _previous;
                if (before != '\r')
                {
                    chunk[from..at].CopyTo(output[written..]);
                    written += at - from;
                    output[written++] = (byte)'\r';
                    output[written++] = (byte)'\n';
                    from = at + 1;
                }

                search = at + 1;
            }

            chunk[from..].CopyTo(output[written..]);
            written += read - from;
            _previous = chunk[^1];
            _offset = 0;
            _count = written;
            return true;
        }
    }
}
