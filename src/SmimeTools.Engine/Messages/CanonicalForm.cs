using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using MimeKit;
using MimeKit.IO;
using MimeKit.IO.Filters;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// RFC 8551 §3.1 canonical form: 7-bit-safe transfer encodings and CRLF line ends, so that relays and list
    /// servers that re-encode 8-bit parts or rewrite line ends do not break a signature.
    /// </summary>
    internal static class CanonicalForm
    {
        public static FormatOptions Options { get; } = CreateOptions();

        /// <summary>Prepares the entity for 7-bit transport and writes it, headers and body, with CRLF line ends.</summary>
        /// <remarks>
        /// When preparing changes no transfer encoding and <paramref name="offsets"/> knows where the entity lies, its
        /// body is copied from the source as it is (bare LF made CRLF): the sender's bytes, several times faster than
        /// writing the parsed tree.
        /// </remarks>
        /// <returns>True when the body was copied from the source.</returns>
        public static bool Write(MimeEntity entity, Stream output, CancellationToken cancellationToken, EntityOffsets? offsets = null)
        {
            if (PrepareUnchanged(entity) && offsets != null && offsets.TryGet(entity, out var range) && range.Source.CanSeek)
            {
                WriteHeaders(entity.Headers, output, cancellationToken);
                CopyBody(range.Source, range.HeadersEnd, range.End, output, cancellationToken);
                return true;
            }

            WriteAsIs(entity, output, cancellationToken);
            return false;
        }

        /// <summary>Prepares the entity for 7-bit transport; true when that changed no transfer encoding of the tree.</summary>
        public static bool PrepareUnchanged(MimeEntity entity)
        {
            var before = TransferEncodings(entity);
            entity.Prepare(EncodingConstraint.SevenBit, 78);
            return before.SequenceEqual(TransferEncodings(entity));
        }

        /// <summary>Copies <paramref name="source"/> between <paramref name="start"/> and <paramref name="end"/> with bare LF made CRLF.</summary>
        public static void CopyBody(Stream source, long start, long end, Stream output, CancellationToken cancellationToken)
        {
            using var body = new CrlfReadStream(source, start, end, cancellationToken);
            body.CopyTo(output, 1 << 16);
        }

        /// <summary>The Content-Transfer-Encoding of every entity of the tree, in order.</summary>
        private static List<string?> TransferEncodings(MimeEntity entity)
        {
            var encodings = new List<string?>();
            void Visit(MimeEntity e)
            {
                encodings.Add(e.Headers[HeaderId.ContentTransferEncoding]);
                switch (e)
                {
                    case Multipart multipart:
                        foreach (var child in multipart)
                        {
                            Visit(child);
                        }

                        break;
                    case MessagePart { Message.Body: { } inner }:
                        Visit(inner);
                        break;
                }
            }

            Visit(entity);
            return encodings;
        }

        /// <summary>A header block with CRLF line ends and the blank line that ends it.</summary>
        public static void WriteHeaders(HeaderList headers, Stream output, CancellationToken cancellationToken)
        {
            var filtered = new FilteredStream(output);
            filtered.Add(new Unix2DosFilter());
            headers.WriteTo(Options, filtered, cancellationToken);
            filtered.Flush(cancellationToken);
        }

        /// <summary>Writes the entity with CRLF line ends, without changing transfer encodings.</summary>
        /// <remarks>MimeKit applies the CRLF conversion itself under these options, headers and 7-bit content alike;
        /// a second filter of our own would only halve the speed.</remarks>
        public static void WriteAsIs(MimeEntity entity, Stream output, CancellationToken cancellationToken) =>
            entity.WriteTo(Options, output, cancellationToken);

        /// <summary>A stream that turns what is written into it into base64 lines with CRLF ends; Finish() ends it.</summary>
        public static Base64EncodingStream Base64Encoder(Stream output, long expectedBytes = -1) => new(output, expectedBytes: expectedBytes);

        private static FormatOptions CreateOptions()
        {
            var options = FormatOptions.Default.Clone();
            options.NewLineFormat = NewLineFormat.Dos;
            return options;
        }
    }
}
