using System.IO;
using MimeKit;
using MimeKit.IO;
using MimeKit.IO.Filters;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Undoes a part's transfer encoding, streaming. Base64, which carries every S/MIME layer and most attachments,
    /// goes through our vectorised decoder; MimeKit's filters do the rest.
    /// </summary>
    internal static class TransferDecoding
    {
        /// <summary>The decoded content of a parsed part.</summary>
        public static Stream Open(IMimeContent content)
        {
            if (content.Encoding == ContentEncoding.Base64 && content.Stream is { CanSeek: true } raw)
            {
                raw.Position = 0;
                return new Base64DecodingStream(raw, leaveOpen: true);
            }

            return content.Open();
        }

        /// <summary>The decoded form of <paramref name="encoded"/>, which this stream then owns.</summary>
        public static Stream Open(Stream encoded, ContentEncoding encoding)
        {
            if (encoding == ContentEncoding.Base64)
            {
                return new Base64DecodingStream(encoded);
            }

            if (encoding is ContentEncoding.QuotedPrintable or ContentEncoding.UUEncode)
            {
                var decoded = new FilteredStream(encoded);
                decoded.Add(DecoderFilter.Create(encoding));
                return decoded;
            }

            return encoded;
        }
    }
}
