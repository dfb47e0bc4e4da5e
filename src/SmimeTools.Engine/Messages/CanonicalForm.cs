using System.IO;
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
        public static void Write(MimeEntity entity, Stream output, CancellationToken cancellationToken)
        {
            entity.Prepare(EncodingConstraint.SevenBit, 78);
            WriteAsIs(entity, output, cancellationToken);
        }

        /// <summary>Writes the entity with CRLF line ends, without changing transfer encodings.</summary>
        /// <remarks>MimeKit applies the CRLF conversion itself under these options, headers and 7-bit content alike;
        /// a second filter of our own would only halve the speed.</remarks>
        public static void WriteAsIs(MimeEntity entity, Stream output, CancellationToken cancellationToken) =>
            entity.WriteTo(Options, output, cancellationToken);

        /// <summary>A stream that turns what is written into it into base64 lines with CRLF ends; Finish() ends it.</summary>
        public static Base64EncodingStream Base64Encoder(Stream output) => new(output);

        private static FormatOptions CreateOptions()
        {
            var options = FormatOptions.Default.Clone();
            options.NewLineFormat = NewLineFormat.Dos;
            return options;
        }
    }
}
