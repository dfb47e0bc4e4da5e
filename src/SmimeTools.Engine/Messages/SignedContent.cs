using System;
using System.IO;
using System.Text;
using MimeKit;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// The content a multipart/signed signs: its first body part exactly as it is in the message, from after the
    /// line that opens the first boundary to before the line end that precedes the next one, with bare LF read as
    /// CRLF (RFC 8551 §3.1.1). It is read from the message in place, so content of any size streams.
    /// </summary>
    internal sealed class SignedContent
    {
        private const int ScanBuffer = 1 << 16;

        private readonly Stream _source;
        private readonly byte[] _delimiter;
        private readonly long _end;
        private readonly string _displayName;
        private long _stop;

        private SignedContent(Stream source, long start, long stop, byte[] delimiter, long end, string displayName)
        {
            _source = source;
            Start = start;
            _stop = stop;
            _delimiter = delimiter;
            _end = end;
            _displayName = displayName;
        }

        public long Start { get; }

        /// <summary>Where the signed part ends: found by the first read of <see cref="Open"/> when <see cref="Locate"/> left it to it.</summary>
        public long Stop
        {
            get
            {
                if (_stop < 0)
                {
                    using var scan = Open();
                    scan.CopyTo(Stream.Null);
                }

                return _stop;
            }
        }

        /// <summary>Locates the signed part of <paramref name="signed"/>, parsed with <paramref name="offsets"/> watching.</summary>
        /// <remarks>
        /// When MimeKit found the second part, a delimiter line stands before it, so the end of the signed part is left to
        /// the first read of the content, which looks for the delimiter as it goes: a large message is read once to be hashed,
        /// not once more to find where its signed part ends.
        /// </remarks>
        /// <exception cref="SmimeException"><see cref="ErrorIds.MalformedMessage"/> when the part or its boundaries cannot be found.</exception>
        public static SignedContent Locate(Multipart signed, EntityOffsets offsets, string displayName)
        {
            if (!offsets.TryGet(signed, out var range) || signed.Boundary == null)
            {
                throw MessageParsing.Malformed(displayName, "the multipart/signed part could not be located in the message", null);
            }

            var source = range.Source;
            var end = Math.Min(range.End, source.Length);
            var delimiter = Encoding.ASCII.GetBytes("\n--" + signed.Boundary);
            var first = FindLineStart(source, delimiter, range.HeadersEnd, end);
            if (first < 0)
            {
                throw MessageParsing.Malformed(displayName, "its multipart/signed part has no boundary", null);
            }

            var lineEnd = Find(source, "\n"u8.ToArray(), first, end);
            if (lineEnd < 0)
            {
                throw MessageParsing.Malformed(displayName, "its multipart/signed part ends after the first boundary", null);
            }

            var start = lineEnd + 1;
            if (signed.Count >= 2 && !StartsWith(source, start - 1, delimiter))
            {
                return new SignedContent(source, start, -1, delimiter, end, displayName);
            }

            var next = Find(source, delimiter, start - 1, end);
            if (next < 0)
            {
                throw NoSecondBoundary(displayName);
            }

            // next is the line end before the second boundary; a CR before it belongs to that line end too.
            var stop = next;
            if (stop > start && ByteAt(source, stop - 1) == '\r')
            {
                stop--;
            }

            return new SignedContent(source, start, Math.Max(start, stop), delimiter, end, displayName);
        }

        /// <summary>The canonical bytes, streamed from the message.</summary>
        public Stream Open() => _stop >= 0
            ? new CrlfReadStream(_source, Start, _stop)
            : new CrlfReadStream(_source, Start, _end, _delimiter, Stopped);

        /// <summary>The canonical bytes in memory, or null when there are more than <paramref name="limit"/> raw bytes.</summary>
        public byte[]? ReadAll(int limit)
        {
            if (Stop - Start > limit)
            {
                return null;
            }

            using var stream = Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        private void Stopped(long at)
        {
            if (at < 0)
            {
                // MimeKit found a boundary line that the bytes do not hold: the source changed under it.
                throw NoSecondBoundary(_displayName);
            }

            _stop = Math.Max(Start, at);
        }

        private static SmimeException NoSecondBoundary(string displayName) =>
            MessageParsing.Malformed(displayName, "its multipart/signed part has no second boundary", null);

        private static bool StartsWith(Stream source, long at, byte[] pattern)
        {
            var head = new byte[pattern.Length];
            source.Position = at;
            return source.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.AsSpan().SequenceEqual(pattern);
        }

        /// <summary>The offset of a delimiter line (the delimiter without its leading LF) at or after <paramref name="from"/>.</summary>
        private static long FindLineStart(Stream source, byte[] delimiter, long from, long end)
        {
            if (from == 0 && StartsWith(source, 0, delimiter[1..]))
            {
                // At the very start there is no LF before the delimiter.
                return 0;
            }

            var at = Find(source, delimiter, Math.Max(0, from - 1), end);
            return at < 0 ? -1 : at + 1;
        }

        /// <summary>The offset of the first occurrence of <paramref name="pattern"/> in [from, end), read in chunks.</summary>
        internal static long Find(Stream source, byte[] pattern, long from, long end)
        {
            var buffer = new byte[ScanBuffer + pattern.Length];
            var bufferOffset = from;
            var kept = 0;
            source.Position = from;
            while (true)
            {
                var wanted = (int)Math.Min(buffer.Length - kept, end - (bufferOffset + kept));
                var read = wanted > 0 ? source.Read(buffer, kept, wanted) : 0;
                var length = kept + read;
                var index = buffer.AsSpan(0, length).IndexOf(pattern);
                if (index >= 0)
                {
                    return bufferOffset + index;
                }

                if (read == 0)
                {
                    return -1;
                }

                var keep = Math.Min(pattern.Length - 1, length);
                Buffer.BlockCopy(buffer, length - keep, buffer, 0, keep);
                bufferOffset += length - keep;
                kept = keep;
            }
        }

        private static int ByteAt(Stream source, long offset)
        {
            source.Position = offset;
            return source.ReadByte();
        }
    }
}
