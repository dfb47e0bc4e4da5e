using System;
using System.IO;
using System.IO.Compression;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Cms
{
    /// <summary>Opens CMS CompressedData (RFC 3274, zlib) in one pass with flat memory.</summary>
    public static class CompressedDataReader
    {
        private const int CopyBufferSize = 64 * 1024;

        /// <summary>Output below this is never refused for its ratio: small, very regular content (a page of blanks) compresses well honestly.</summary>
        internal const long RatioFloor = 1L << 20;

        /// <summary>
        /// Decompresses the CompressedData ContentInfo on <paramref name="input"/> into <paramref name="output"/>
        /// and returns the number of bytes written.
        /// </summary>
        /// <exception cref="SmimeException">
        /// <see cref="ErrorIds.MalformedMessage"/> for damaged, truncated or non-CompressedData input (or corrupt zlib data);
        /// <see cref="ErrorIds.UnsupportedAlgorithm"/> for a compression algorithm other than zlib;
        /// <see cref="ErrorIds.DecompressedTooLarge"/> and <see cref="ErrorIds.CompressionRatioTooHigh"/> when the content
        /// expands past <see cref="InputLimits.MaximumDecompressedSize"/> or <see cref="InputLimits.MaximumCompressionRatio"/>
        /// (checked before each chunk is written, so the output never holds more than the limit).
        /// </exception>
        public static long Decompress(Stream input, Stream output, CancellationToken cancellationToken = default, InputLimits? limits = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(output);
            limits ??= InputLimits.Default;
            var reader = new Asn1StreamingReader(input, "The compressed message");
            var header = reader.ReadHeader();
            if (!header.IsUniversal(Asn1StreamingHeader.TagSequence) || !header.IsConstructed)
            {
                throw reader.Malformed("it does not start with a ContentInfo SEQUENCE, so it is not CMS (PKCS #7) data");
            }

            reader.Enter(header);
            string type = reader.ReadObjectIdentifier("the content type");
            if (type != CmsOid.CompressedData)
            {
                throw new SmimeException(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData,
                    $"{reader.What} is CMS {CmsOid.ContentTypeName(type)}, not CompressedData.",
                    "Give compressed data; signed or encrypted layers are opened by their own readers.");
            }

            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassContext, 0, "the CompressedData content ([0])"));
            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagSequence, "the CompressedData SEQUENCE"));
            reader.Skip(reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagInteger, "the CompressedData version"));
            var algorithmElement = reader.ReadElement(reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagSequence, "the compression algorithm"));
            string algorithm = reader.Decode(() => AlgorithmIdentifier.GetInstance(Asn1Object.FromByteArray(algorithmElement)).Algorithm.Id, "the compression algorithm");
            if (algorithm != CmsOid.ZlibCompression)
            {
                throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidData,
                    $"{reader.What} is compressed with {algorithm}; only zlib (RFC 3274) is supported.",
                    "Ask the sender to compress with zlib or not at all.");
            }

            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagSequence, "the encapsulated content info"));
            reader.ReadObjectIdentifier("the encapsulated content type");
            if (!reader.HasMore())
            {
                throw reader.Malformed("the compressed content is missing");
            }

            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassContext, 0, "the encapsulated content ([0])"));
            var octets = new Asn1StreamingOctetStream(reader, reader.ReadHeader());
            var compressed = new CountingReadStream(octets);
            long written = 0;
            try
            {
                using var zlib = new ZLibStream(compressed, CompressionMode.Decompress, leaveOpen: true);
                var buffer = new byte[CopyBufferSize];
                int n;
                while ((n = zlib.Read(buffer, 0, buffer.Length)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    CheckLimits(written + n, compressed.Count, limits, reader.What);
                    output.Write(buffer, 0, n);
                    written += n;
                }
            }
            catch (Exception e) when (e is InvalidDataException || (e is IOException && e.GetType().Namespace == typeof(ZLibStream).Namespace))
            {
                // Corrupt deflate data surfaces as InvalidDataException or as zlib's own (non-public) IOException; an input read failure stays an IOException.
                throw reader.Malformed("the compressed content is not valid zlib data", e);
            }

            octets.Drain();
            for (int i = 0; i < 5; i++)
            {
                reader.Leave();
            }

            output.Flush();
            return written;
        }

        private static void CheckLimits(long expanded, long consumed, InputLimits limits, string what)
        {
            if (expanded > limits.MaximumDecompressedSize)
            {
                throw InputLimits.Exceeded(ErrorIds.DecompressedTooLarge, what, $"its compressed content expands to more than {limits.MaximumDecompressedSize} bytes",
                    nameof(InputLimits.MaximumDecompressedSize), limits.MaximumDecompressedSize);
            }

            if (expanded > RatioFloor && expanded > (double)limits.MaximumCompressionRatio * Math.Max(1, consumed))
            {
                throw InputLimits.Exceeded(ErrorIds.CompressionRatioTooHigh, what,
                    $"{consumed} compressed bytes expand to more than {expanded} (over {expanded / Math.Max(1, consumed)} times)",
                    nameof(InputLimits.MaximumCompressionRatio), limits.MaximumCompressionRatio);
            }
        }

        /// <summary>Counts the compressed bytes zlib has read, to measure the expansion ratio as it goes.</summary>
        private sealed class CountingReadStream : Stream
        {
            private readonly Stream _inner;

            public CountingReadStream(Stream inner) => _inner = inner;

            public long Count { get; private set; }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => Count; set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = _inner.Read(buffer, offset, count);
                Count += n;
                return n;
            }

            public override int Read(Span<byte> buffer)
            {
                int n = _inner.Read(buffer);
                Count += n;
                return n;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
