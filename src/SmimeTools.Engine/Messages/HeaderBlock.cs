using System;
using System.IO;
using MimeKit;
using MimeKit.Utils;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// The header block at the start of a decrypted layer, read without parsing the body: enough to decide whether
    /// another layer follows and to copy the content out as it is, so large messages are not parsed twice.
    /// </summary>
    internal sealed class HeaderBlock
    {
        private const int MaximumSize = 256 * 1024;

        private HeaderBlock(HeaderList headers, long bodyOffset)
        {
            Headers = headers;
            BodyOffset = bodyOffset;
            var type = headers[HeaderId.ContentType];
            ContentType = type != null && MimeKit.ContentType.TryParse(type, out var parsed) ? parsed : new ContentType("text", "plain");
            var encoding = headers[HeaderId.ContentTransferEncoding];
            TransferEncoding = encoding != null && MimeUtils.TryParse(encoding, out ContentEncoding value) ? value : ContentEncoding.Default;
            var disposition = headers[HeaderId.ContentDisposition];
            FileName = (disposition != null && ContentDisposition.TryParse(disposition, out var parsedDisposition) ? parsedDisposition.FileName : null)
                ?? ContentType.Name;
        }

        public HeaderList Headers { get; }

        public long BodyOffset { get; }

        public ContentType ContentType { get; }

        public ContentEncoding TransferEncoding { get; }

        public string? FileName { get; }

        /// <summary>
        /// True unless <paramref name="start"/> cannot begin a MIME entity with headers: a header name (printable ASCII
        /// without ':') and then ':'. Too few bytes to tell count as plausible.
        /// </summary>
        public static bool MayStart(ReadOnlySpan<byte> start)
        {
            for (int i = 0; i < start.Length; i++)
            {
                byte b = start[i];
                if (b == (byte)':')
                {
                    return i > 0;
                }

                if (b is < 0x21 or > 0x7E)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Reads the header block at the start of <paramref name="stream"/>; null when the content does not start with one.</summary>
        public static HeaderBlock? Read(Stream stream)
        {
            stream.Position = 0;
            var buffer = new byte[(int)Math.Min(MaximumSize, stream.Length)];
            var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var end = FindBlankLine(buffer.AsSpan(0, length), out var blankLength);
            if (end <= 0 || !StartsWithHeader(buffer.AsSpan(0, end)))
            {
                return null;
            }

            try
            {
                var headers = HeaderList.Load(new MemoryStream(buffer, 0, end + blankLength, writable: false));
                return headers.Count == 0 ? null : new HeaderBlock(headers, end + blankLength);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        /// <summary>The decoded body, read from the file without loading it.</summary>
        public Stream OpenDecodedBody(Stream stream)
        {
            var body = new MimeKit.IO.BoundStream(stream, BodyOffset, -1, leaveOpen: true);
            return TransferDecoding.Open(body, TransferEncoding);
        }

        /// <summary>
        /// True when <paramref name="before"/> (up to three bytes before an offset) ends with the blank line that ends a header
        /// block there, as <see cref="Read"/> finds it: LF LF, or LF CR LF.
        /// </summary>
        public static bool EndsWithBlankLine(ReadOnlySpan<byte> before) =>
            before.EndsWith("\n\n"u8) || before.EndsWith("\n\r\n"u8);

        private static int FindBlankLine(ReadOnlySpan<byte> data, out int blankLength)
        {
            for (var i = 0; i < data.Length - 1; i++)
            {
                if (data[i] == '\n' && data[i + 1] == '\n')
                {
                    blankLength = 2;
                    return i;
                }

                if (data[i] == '\n' && data[i + 1] == '\r' && i + 2 < data.Length && data[i + 2] == '\n')
                {
                    blankLength = 3;
                    return i;
                }
            }

            blankLength = 0;
            return -1;
        }

        /// <summary>A header line starts with a field name and a colon.</summary>
        private static bool StartsWithHeader(ReadOnlySpan<byte> block)
        {
            for (var i = 0; i < block.Length; i++)
            {
                var c = block[i];
                if (c == ':')
                {
                    return i > 0;
                }

                if (c <= ' ' || c >= 127)
                {
                    return false;
                }
            }

            return false;
        }
    }
}
