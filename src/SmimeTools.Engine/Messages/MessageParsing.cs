using System;
using System.IO;
using System.Threading;
using MimeKit;

namespace SmimeTools.Engine.Messages
{
    /// <summary>Parses messages in place: content stays in the file and is read when written out (MimeKit persistent mode).</summary>
    internal static class MessageParsing
    {
        /// <summary>Parses a message; <c>offsets</c>, when given, records where each entity lies (to check multipart/signed against the bytes as they are).</summary>
        public static MimeMessage ParseMessage(Stream source, string displayName, CancellationToken cancellationToken, EntityOffsets? offsets = null)
        {
            MimeMessage message;
            try
            {
                var parser = new MimeParser(source, MimeFormat.Entity, persistent: source.CanSeek);
                offsets?.Watch(parser, source);
                message = parser.ParseMessage(cancellationToken);
            }
            catch (FormatException e)
            {
                throw Malformed(displayName, "it is not a MIME message (no headers could be read)", e);
            }

            if (message.Body == null)
            {
                throw Malformed(displayName, "it has headers but no body", null);
            }

            return message;
        }

        /// <summary>
        /// Parses the content of a protection layer. Content that is not MIME (old or test messages protect bare
        /// text, as RFC 4134's examples do) becomes a text/plain or application/octet-stream part holding it as it is.
        /// </summary>
        public static MimeEntity ParseEntity(Stream source, CancellationToken cancellationToken, out bool wasMime, EntityOffsets? offsets = null)
        {
            var start = source.Position;
            try
            {
                var parser = new MimeParser(source, MimeFormat.Entity, persistent: source.CanSeek);
                offsets?.Watch(parser, source);
                wasMime = true;
                return parser.ParseEntity(cancellationToken);
            }
            catch (FormatException)
            {
                source.Position = start;
                wasMime = false;
                return BarePart(source);
            }
        }

        private static MimePart BarePart(Stream source)
        {
            var sevenBit = true;
            var buffer = new byte[1 << 16];
            int read;
            while ((read = source.Read(buffer, 0, buffer.Length)) > 0 && sevenBit)
            {
                sevenBit = Array.TrueForAll(buffer[..read], b => b < 0x80 && b != 0);
            }

            source.Position = 0;
            var part = sevenBit ? new MimePart("text", "plain") : new MimePart("application", "octet-stream");
            part.Content = new MimeContent(source, ContentEncoding.Binary);
            part.ContentTransferEncoding = sevenBit ? ContentEncoding.SevenBit : ContentEncoding.Base64;
            return part;
        }

        public static SmimeException Malformed(string displayName, string why, Exception? inner) =>
            new(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData,
                $"Cannot read the message {displayName}: {why}.",
                "Check that the input is an e-mail message (.eml, RFC 5322), not a fragment or another format.", displayName, inner);
    }
}
