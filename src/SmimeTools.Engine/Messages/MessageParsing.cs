using System;
using System.IO;
using System.Threading;
using MimeKit;

namespace SmimeTools.Engine.Messages
{
    /// <summary>Parses messages in place: content stays in the file and is read when written out (MimeKit persistent mode).</summary>
    internal static class MessageParsing
    {
        public static MimeMessage ParseMessage(Stream source, string displayName, CancellationToken cancellationToken)
        {
            MimeMessage message;
            try
            {
                var parser = new MimeParser(source, MimeFormat.Entity, persistent: source.CanSeek);
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

        public static MimeEntity ParseEntity(Stream source, string displayName, CancellationToken cancellationToken)
        {
            try
            {
                var parser = new MimeParser(source, MimeFormat.Entity, persistent: source.CanSeek);
                return parser.ParseEntity(cancellationToken);
            }
            catch (FormatException e)
            {
                throw Malformed(displayName, "the decrypted content is not a MIME entity", e);
            }
        }

        public static SmimeException Malformed(string displayName, string why, Exception? inner) =>
            new(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData,
                $"Cannot read the message {displayName}: {why}.",
                "Check that the input is an e-mail message (.eml, RFC 5322), not a fragment or another format.", displayName, inner);
    }
}
