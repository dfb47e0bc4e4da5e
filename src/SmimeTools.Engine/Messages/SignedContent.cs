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

        private SignedContent(Stream source, long start, long stop)
        {
            _source = source;
            Start = start;
            Stop = stop;
        }

        public long Start { get; }

        public long Stop { get; }

        /// <summary>Locates the signed part of <paramref name="signed"/>, parsed with <paramref name="offsets"/> watching.</summary>
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
            var next = Find(source, delimiter, start - 1, end);
            if (next < 0)
            {
                throw MessageParsing.Malformed(displayName, "its multipart/signed part has no second boundary", null);
            }

            // next is the line end before the second boundary; a CR before it belongs to that line end too.
            var stop = next;
            if (stop > start && ByteAt(source, stop - 1) == '\r')
            {
                stop--;
            }

            return new SignedContent(source, start, Math.Max(start, stop));
        }

        /// <summary>The canonical bytes, streamed from the message.</summary>
        public Stream Open() => new CrlfReadStream(_source, Start, Stop);

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

        /// <summary>The offset of a delimiter line (the delimiter without its leading LF) at or after <paramref name="from"/>.</summary>
        private static long FindLineStart(Stream source, byte[] delimiter, long from, long end)
        {
            if (from == 0)
            {
                // At the very start there is no LF before the delimiter.
                var head = new byte[delimiter.Length - 1];
                source.Position = 0;
                if (source.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.AsSpan().SequenceEqual(delimiter.AsSpan(1)))
                {
                    return 0;
                }
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
