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

        /// <summary>
        /// A MimeKit parser held to the limits it is given: nesting (<see cref="Options"/>) and, counted as MimeKit
        /// builds them, the entities of each message or layer content it parses (<see cref="InputLimits.MaximumPartCount"/>),
        /// so that a message of a million empty parts is refused after the first ten thousand, not held whole.
        /// </summary>
        public sealed class BoundedParser
        {
            private readonly InputLimits _limits;
            private readonly string _target;
            private int _parts;

            /// <summary>A parser of <paramref name="source"/>; <paramref name="offsets"/>, when given, records where each entity lies.</summary>
            /// <param name="source">What to parse.</param>
            /// <param name="format">A message or entity, or an mbox file.</param>
            /// <param name="limits">The nesting and part limits.</param>
            /// <param name="item">What is parsed, as the error names it ("The message x.eml").</param>
            /// <param name="target">The message it belongs to, the error's target.</param>
            /// <param name="offsets">Where the entities lie, when wanted.</param>
            public BoundedParser(Stream source, MimeFormat format, InputLimits limits, string item, string target, EntityOffsets? offsets = null)
            {
                _limits = limits;
                Item = item;
                _target = target;
                Parser = new MimeParser(Options(limits.MaximumNestingDepth), source, format, persistent: source.CanSeek);
                offsets?.Watch(Parser, source);
                Parser.MimeEntityBegin += (_, _) =>
                {
                    if (++_parts > _limits.MaximumPartCount)
                    {
                        // The parser cannot go on past the throw: in an mbox file, what follows is not read, and says so.
                        var reason = $"it holds more than {_limits.MaximumPartCount} MIME parts" + (format == MimeFormat.Mbox ? ", and the messages after it are not read" : "");
                        throw InputLimits.Exceeded(ErrorIds.TooManyParts, Item, reason,
                            nameof(InputLimits.MaximumPartCount), _limits.MaximumPartCount, _target);
                    }
                };
            }

            public MimeParser Parser { get; }

            /// <summary>What the next parse reads, as an error names it.</summary>
            public string Item { get; set; }

            /// <summary>The next message, its parts counted from none.</summary>
            public MimeMessage ParseMessage(CancellationToken cancellationToken)
            {
                _parts = 0;
                return Parser.ParseMessage(cancellationToken);
            }

            /// <summary>The next entity, its parts counted from none.</summary>
            public MimeEntity ParseEntity(CancellationToken cancellationToken)
            {
                _parts = 0;
                return Parser.ParseEntity(cancellationToken);
            }
        }

        /// <summary>Parses a message; <c>offsets</c>, when given, records where each entity lies (to check multipart/signed against the bytes as they are).</summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.MalformedMessage"/>, <see cref="ErrorIds.TooManyParts"/>.</exception>
        public static MimeMessage ParseMessage(Stream source, string displayName, InputLimits limits, CancellationToken cancellationToken,
            EntityOffsets? offsets = null)
        {
            MimeMessage message;
            try
            {
                message = new BoundedParser(source, MimeFormat.Entity, limits, $"The message {displayName}", displayName, offsets).ParseMessage(cancellationToken);
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
        /// Parses the content of a protection layer of <paramref name="displayName"/>. Content that is not MIME (old or
        /// test messages protect bare text, as RFC 4134's examples do) becomes a text/plain or application/octet-stream
        /// part holding it as it is.
        /// </summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.TooManyParts"/>.</exception>
        public static MimeEntity ParseEntity(Stream source, string displayName, InputLimits limits, CancellationToken cancellationToken, out bool wasMime,
            EntityOffsets? offsets = null)
        {
            var start = source.Position;
            try
            {
                var parser = new BoundedParser(source, MimeFormat.Entity, limits, $"A protection layer of {displayName}", displayName, offsets);
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
