using System;
using System.IO;
using System.Numerics;
using System.Threading;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Reads a range of a seekable stream with every bare LF as CRLF (lone CRs stay): the canonical line ends of
    /// RFC 8551 §3.1.1, a chunk at a time. An LF at the start of the range counts as bare unless a CR stands before
    /// it in the source.
    /// </summary>
    /// <remarks>
    /// A chunk without a bare LF (mail that already has CRLF ends, the usual case) is handed on as it was read, without a
    /// copy; <see cref="CopyTo(Stream, int)"/> writes the chunks themselves, so a large body crosses memory once.
    /// </remarks>
    internal sealed class CrlfReadStream : ForwardReadStream, IO.IRemainingBound
    {
        internal const int ChunkSize = 1 << 18;

        private readonly Stream _source;
        private readonly CancellationToken _cancellationToken;
        private readonly byte[] _chunk;
        private byte[]? _converted;
        private long _next;
        private long _end;
        private readonly byte[]? _delimiter;
        private Action<long>? _stopped;
        private byte _previous;
        private byte[] _segment;
        private int _offset;
        private int _count;

        public CrlfReadStream(Stream source, long start, long end, CancellationToken cancellationToken = default)
            : this(source, start, end, null, null, cancellationToken)
        {
        }

        /// <summary>
        /// The range from <paramref name="start"/> up to the first <paramref name="delimiter"/> (a CR before it left out too),
        /// found as the range is read, so it is read once; <paramref name="stopped"/> is told where it stops, or, when it is
        /// not found, gets -1 at <paramref name="end"/>.
        /// </summary>
        public CrlfReadStream(Stream source, long start, long end, byte[]? delimiter, Action<long>? stopped, CancellationToken cancellationToken = default)
        {
            _delimiter = delimiter;
            _stopped = stopped;
            _source = source ?? throw new ArgumentNullException(nameof(source));
            _next = start;
            _end = end;
            _cancellationToken = cancellationToken;

            // Small bodies get small buffers: a pipeline of small messages makes one of these for each.
            _chunk = new byte[(int)Math.Clamp(end - start, 1, ChunkSize)];
            _segment = _chunk;
            if (start > 0)
            {
                source.Position = start - 1;
                _previous = (byte)Math.Max(0, source.ReadByte());
            }
        }

        /// <summary>Each byte of the range left may become two (LF to CRLF).</summary>
        public long MostRemaining => _count + (2 * Math.Max(0, _end - _next));

        public override int Read(Span<byte> buffer)
        {
            if (_count == 0 && !Fill())
            {
                return 0;
            }

            var n = Math.Min(buffer.Length, _count);
            _segment.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            _count -= n;
            return n;
        }

        /// <summary>Writes the rest of the range to <paramref name="destination"/> a chunk at a time, without copying it first.</summary>
        public override void CopyTo(Stream destination, int bufferSize)
        {
            ArgumentNullException.ThrowIfNull(destination);
            while (_count > 0 || Fill())
            {
                destination.Write(_segment, _offset, _count);
                _count = 0;
            }
        }

        /// <summary>
        /// The index of the first LF at or after <paramref name="start"/> that no CR stands before; -1 when there is none.
        /// <paramref name="before"/> is the byte before <paramref name="data"/>[0]. Compares a vector of bytes at a time,
        /// as CRLF text has an LF every line.
        /// </summary>
        internal static int IndexOfBareLf(ReadOnlySpan<byte> data, int start, byte before)
        {
            var i = start;
            if (i == 0)
            {
                if (data.IsEmpty)
                {
                    return -1;
                }

                if (data[0] == '\n' && before != '\r')
                {
                    return 0;
                }

                i = 1;
            }

            var width = Vector<byte>.Count;
            if (Vector.IsHardwareAccelerated)
            {
                var lf = new Vector<byte>((byte)'\n');
                var cr = new Vector<byte>((byte)'\r');
                for (; i + width <= data.Length; i += width)
                {
                    var bare = Vector.AndNot(Vector.Equals(new Vector<byte>(data.Slice(i, width)), lf),
                        Vector.Equals(new Vector<byte>(data.Slice(i - 1, width)), cr));
                    if (bare != Vector<byte>.Zero)
                    {
                        break;
                    }
                }
            }

            for (; i < data.Length; i++)
            {
                if (data[i] == '\n' && data[i - 1] != '\r')
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>
        /// How much of the chunk just read comes before the delimiter. Without it, the chunk's last delimiter-length bytes
        /// are read again with the next chunk (they may begin the delimiter, or be the CR before it), unless the range ends there.
        /// </summary>
        private int CutAtDelimiter(int read)
        {
            var found = _chunk.AsSpan(0, read).IndexOf(_delimiter);
            if (found >= 0)
            {
                var stop = found > 0 && _chunk[found - 1] == '\r' ? found - 1 : found;
                _end = _next + stop;
                Stop(_end);
                return stop;
            }

            if (_next + read >= _end || read <= _delimiter!.Length)
            {
                // The range, or the source, ends here.
                Stop(-1);
                return read;
            }

            return read - _delimiter!.Length;
        }

        private void Stop(long at)
        {
            var stopped = _stopped;
            _stopped = null;
            stopped?.Invoke(at);
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
            var wanted = (int)Math.Min(_chunk.Length, _end - _next);
            var read = _delimiter == null
                ? _source.Read(_chunk, 0, wanted)
                : _source.ReadAtLeast(_chunk.AsSpan(0, wanted), Math.Min(wanted, _delimiter.Length + 1), throwOnEndOfStream: false);
            if (read == 0)
            {
                Stop(-1);
                return false;
            }

            if (_delimiter != null)
            {
                read = CutAtDelimiter(read);
                if (read == 0)
                {
                    return false;
                }
            }

            _next += read;
            var chunk = _chunk.AsSpan(0, read);
            var at = IndexOfBareLf(chunk, 0, _previous);
            _previous = chunk[^1];
            _offset = 0;
            if (at < 0)
            {
                _segment = _chunk;
                _count = read;
                return true;
            }

            _converted ??= new byte[_chunk.Length * 2];
            var output = _converted.AsSpan();
            var written = 0;
            var from = 0;
            while (at >= 0)
            {
                chunk[from..at].CopyTo(output[written..]);
                written += at - from;
                output[written++] = (byte)'\r';
                output[written++] = (byte)'\n';
                from = at + 1;
                at = from < read ? IndexOfBareLf(chunk, from, 0) : -1;
            }

            chunk[from..].CopyTo(output[written..]);
            written += read - from;
            _segment = _converted;
            _count = written;
            return true;
        }
    }
}
