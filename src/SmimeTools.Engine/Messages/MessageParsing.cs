using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using MimeKit;

namespace SmimeTools.Engine.Messages
{
    /// <summary>Parses messages in place: content stays in the file and is read when written out (MimeKit persistent mode).</summary>
    internal static class MessageParsing
    {
        /// <summary>
        /// MimeKit's options for a walk that refuses more than <paramref name="maximumDepth"/> levels: MimeKit stops
        /// building multiparts two levels below it (deeper ones stay unparsed content), so a million nested parts
        /// cost neither deep recursion nor a boundary stack, and the walker still sees the level that goes past the limit.
        /// </summary>
        public static ParserOptions Options(int maximumDepth)
        {
            var options = ParserOptions.Default.Clone();
            maximumDepth = Math.Min(maximumDepth, options.MaxMimeDepth);
            options.MaxMimeDepth = Math.Min(options.MaxMimeDepth, maximumDepth + 2);
            return options;
        }

        /// <summary>Parses a message; <c>offsets</c>, when given, records where each entity lies (to check multipart/signed against the bytes as they are).</summary>
        public static MimeMessage ParseMessage(Stream source, string displayName, CancellationToken cancellationToken, EntityOffsets? offsets = null,
            int maximumDepth = InputLimits.DefaultNestingDepth)
        {
            MimeMessage message;
            try
            {
                var parser = new MimeParser(Options(maximumDepth), source, MimeFormat.Entity, persistent: source.CanSeek);
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
        public static MimeEntity ParseEntity(Stream source, CancellationToken cancellationToken, out bool wasMime, EntityOffsets? offsets = null,
            int maximumDepth = InputLimits.DefaultNestingDepth)
        {
            var start = source.Position;
            try
            {
                var parser = new MimeParser(Options(maximumDepth), source, MimeFormat.Entity, persistent: source.CanSeek);
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

        /// <summary>
        /// Refuses a message whose MIME parts (attached messages included) nest deeper than <paramref name="maximumDepth"/>
        /// below its body, for use cases that do not walk the message; walked without recursion.
        /// </summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.NestingTooDeep"/>.</exception>
        public static void CheckNesting(MimeEntity body, string displayName, int maximumDepth)
        {
            var pending = new Stack<(MimeEntity Entity, int Depth)>();
            pending.Push((body, 0));
            while (pending.Count > 0)
            {
                var (entity, depth) = pending.Pop();
                if (depth > maximumDepth)
                {
                    // MimeKit parses two levels past the limit (Options), so a level too many is always seen here.
                    throw InputLimits.Exceeded(ErrorIds.NestingTooDeep, $"The message {displayName}", $"its MIME parts nest more than {maximumDepth} deep",
                        nameof(InputLimits.MaximumNestingDepth), maximumDepth, displayName);
                }

                switch (entity)
                {
                    case Multipart multipart:
                        foreach (var child in multipart)
                        {
                            pending.Push((child, depth + 1));
                        }

                        break;
                    case MessagePart { Message.Body: { } attached }:
                        pending.Push((attached, depth + 1));
                        break;
                }
            }
        }

        public static SmimeException Malformed(string displayName, string why, Exception? inner) =>
            new(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData,
                $"Cannot read the message {displayName}: {why}.",
                "Check that the input is an e-mail message (.eml, RFC 5322), not a fragment or another format.", displayName, inner);
    }
}
