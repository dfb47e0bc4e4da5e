using System;
using System.IO;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// The contents of one OCTET STRING read straight from an <see cref="Asn1StreamingReader"/>: primitive, or
    /// constructed from segments (nested, definite or indefinite, as BER allows). Forward-only.
    /// </summary>
    internal sealed class Asn1StreamingOctetStream : ForwardReadStream, IO.IRemainingBound
    {
        private readonly Asn1StreamingReader _reader;
        private long _remaining;
        private int _depth;
        private bool _done;
        private long _length;

        public Asn1StreamingOctetStream(Asn1StreamingReader reader, in Asn1StreamingHeader header)
            : this(reader, header, implicitlyTagged: false)
        {
        }

        /// <param name="reader">The reader positioned just after <paramref name="header"/>.</param>
        /// <param name="header">The OCTET STRING's header.</param>
        /// <param name="implicitlyTagged">True when its own tag was replaced (the [0] of encrypted content); its segments are still OCTET STRINGs.</param>
        public Asn1StreamingOctetStream(Asn1StreamingReader reader, in Asn1StreamingHeader header, bool implicitlyTagged)
        {
            _reader = reader;
            if (!implicitlyTagged && !header.IsUniversal(Asn1StreamingHeader.TagOctetString))
            {
                throw reader.Malformed($"an OCTET STRING was expected but a {header.Describe()} was found");
            }

            if (header.IsConstructed)
            {
                reader.Enter(header);
                _depth = 1;
            }
            else
            {
                _remaining = header.Length;
            }
        }

        /// <summary>What is left of a primitive string; of segments, what is left of the reader's input.</summary>
        public long MostRemaining => _done ? 0 : _depth == 0 ? _remaining : _reader.MostRemaining;

        /// <summary>Bytes returned so far.</summary>
        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            while (true)
            {
                if (_remaining > 0)
                {
                    int n = _reader.Read(buffer, _remaining);
                    if (n == 0)
                    {
                        throw _reader.Truncated();
                    }

                    _remaining -= n;
                    _length += n;
                    return n;
                }

                if (_done || _depth == 0)
                {
                    _done = true;
                    return 0;
                }

                if (!_reader.HasMore())
                {
                    _reader.Leave();
                    _depth--;
                    continue;
                }

                var segment = _reader.ReadHeader();
                if (!segment.IsUniversal(Asn1StreamingHeader.TagOctetString))
                {
                    throw _reader.Malformed($"a segment of a constructed OCTET STRING is a {segment.Describe()}");
                }

                if (segment.IsConstructed)
                {
                    _reader.Enter(segment);
                    _depth++;
                }
                else
                {
                    _remaining = segment.Length;
                }
            }
        }

        /// <summary>Reads and discards the rest.</summary>
        public void Drain()
        {
            Span<byte> scratch = stackalloc byte[4096];
            while (Read(scratch) > 0)
            {
            }
        }

    }
}
