using System;
using System.IO;
using System.Threading;
using MimeKit;

namespace SmimeTools.Engine.Messages
{
    /// <summary>Writes a message's own headers (From, To, Subject...), which stay outside every protection layer, then MIME-Version.</summary>
    internal static class OuterHeaders
    {
        /// <summary>The message's own headers (From, To, Subject...) stay outside every protection layer.</summary>
        public static void Write(MimeMessage message, Stream output, CancellationToken cancellationToken)
        {
            var headers = new HeaderList();
            foreach (var header in message.Headers)
            {
                if (!header.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
                    && !header.Field.Equals("MIME-Version", StringComparison.OrdinalIgnoreCase))
                {
                    headers.Add(header);
                }
            }

            // HeaderList.WriteTo ends with the blank line that closes a header block; ours goes on with MIME-Version.
            using var block = new MemoryStream();
            var filtered = new MimeKit.IO.FilteredStream(block);
            filtered.Add(new MimeKit.IO.Filters.Unix2DosFilter());
            headers.WriteTo(CanonicalForm.Options, filtered, cancellationToken);
            filtered.Flush(cancellationToken);
            var bytes = block.GetBuffer().AsSpan(0, (int)block.Length);
            if (bytes.EndsWith("\r\n\r\n"u8))
            {
                bytes = bytes[..^2];
            }

            output.Write(bytes);
            output.Write("MIME-Version: 1.0\r\n"u8);
        }
    }
}
