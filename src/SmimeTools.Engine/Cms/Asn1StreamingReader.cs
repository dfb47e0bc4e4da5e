using System;
using System.Collections.Generic;
using System.IO;
using Org.BouncyCastle.Asn1;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Walks BER (definite or indefinite lengths, 64-bit lengths) element by element from a stream, so CMS
    /// structures of any size are read in one pass with flat memory: the small parts are captured whole and
    /// handed to BouncyCastle's ASN.1 classes, the content is streamed through <see cref="OpenOctetString"/>.
    /// Every structural problem (truncation, a length running past its container, a wrong tag) becomes a
    /// <see cref="SmimeException"/> with <see cref="ErrorIds.MalformedMessage"/>.
    /// </summary>
    internal sealed class Asn1StreamingReader
    {
        /// <summary>The largest element read into memory (certificates, CRLs, signer infos): a bound against hostile lengths.</summary>
        public const int MaxElementBytes = 64 * 1024 * 1024;

        /// <summary>
        /// The most constructed elements the reader may be inside at once. CMS nests a few dozen deep at most; skipping and
        /// capturing indefinite-length elements recurse once a level, so without a bound 64 KiB of "30 80" would
        /// overflow the stack of a worker thread (a crash no handler catches), not fail as damaged.
        /// </summary>
        public const int MaxDepth = 256;

        private const int BufferSize = 64 * 1024;

        /// <summary>Reads at least this large go straight to the caller's buffer when nothing is buffered: no copy for bulk content.</summary>
        private const int DirectReadMinimum = 16 * 1024;

        private readonly Stream _input;
        private readonly byte[] _buffer;
        private readonly Stack<Container> _containers = new();
        private int _offset;
        private int _count;
        private long _position;

        /// <param name="input">The BER data; read forwards only.</param>
        /// <param name="what">How the data is named in error messages, e.g. "The signed message".</param>
        public Asn1StreamingReader(Stream input, string what)
        {
            _input = input ?? throw new ArgumentNullException(nameof(input));
            What = what;

            // A signature of a few KB (one per message of a pipeline) needs no 64 KiB buffer to allocate and clear.
            _buffer = new byte[IO.BufferSizes.ForReading(input)];
        }

        public string What { get; }

        /// <summary>
        /// False to take from the stream only the bytes asked for, so that a reader stopped after a header has not consumed
        /// the content behind it; true (the default) to fill a 64 KiB buffer.
        /// </summary>
        public bool ReadsAhead { get; set; } = true;

        /// <summary>The size of the read buffer, fitted to the input: a size for buffers of what is read through this reader.</summary>
        public int BufferLength => _buffer.Length;

        /// <summary>At most how many bytes are left: those buffered and what is left of the input (-1: not known).</summary>
        public long MostRemaining => IO.BufferSizes.Remaining(_input) is var left and >= 0 ? left + _count : -1;

        /// <summary>Bytes consumed so far.</summary>
        public long Position => _position;

        private long Limit => _containers.Count == 0 ? long.MaxValue : _containers.Peek().Limit;

        /// <summary>Reads the next header; false at a clean end of the stream (no byte left).</summary>
        public bool TryReadHeader(out Asn1StreamingHeader header)
        {
            if (!Fill(1))
            {
                header = default;
                return false;
            }

            header = ReadHeader();
            return true;
        }

        /// <summary>Reads the next header; a truncated stream is a malformed message.</summary>
        public Asn1StreamingHeader ReadHeader()
        {
            long start = _position;
            if (start >= Limit)
            {
                throw Malformed("an element is missing at the end of its container");
            }

            int first = ReadByte();
            int tagClass = first & 0xC0;
            bool constructed = (first & 0x20) != 0;
            int tagNumber = first & 0x1F;
            if (tagNumber == 0x1F)
            {
                tagNumber = 0;
                int b;
                int count = 0;
                do
                {
                    b = ReadByte();
                    if ((count == 0 && b == 0x80) || ++count > 4)
                    {
                        throw Malformed("a tag number is badly encoded");
                    }

                    tagNumber = (tagNumber << 7) | (b & 0x7F);
                }
                while ((b & 0x80) != 0);
            }

            long length;
            int lengthByte = ReadByte();
            if (lengthByte < 0x80)
            {
                length = lengthByte;
            }
            else if (lengthByte == 0x80)
            {
                if (!constructed)
                {
                    throw Malformed("a primitive element has an indefinite length");
                }

                length = -1;
            }
            else
            {
                int octets = lengthByte & 0x7F;
                if (octets > 8 || lengthByte == 0xFF)
                {
                    throw Malformed("an element claims a length beyond 2^63 bytes");
                }

                ulong value = 0;
                for (int i = 0; i < octets; i++)
                {
                    value = (value << 8) | (uint)ReadByte();
                }

                if (value > long.MaxValue)
                {
                    throw Malformed("an element claims a length beyond 2^63 bytes");
                }

                length = (long)value;
            }

            var header = new Asn1StreamingHeader(tagClass, constructed, tagNumber, length, start, _position);
            if (!header.IsIndefinite && header.Length > Limit - _position)
            {
                throw Malformed($"a {header.Describe()} of {header.Length:N0} bytes runs past the end of the element that holds it");
            }

            return header;
        }

        /// <summary>Reads a header and insists on its tag.</summary>
        public Asn1StreamingHeader ReadHeader(int tagClass, int tagNumber, string meaning)
        {
            var header = ReadHeader();
            if (!header.Is(tagClass, tagNumber))
            {
                throw Malformed($"{meaning} was expected but a {header.Describe()} was found");
            }

            return header;
        }

        /// <summary>Steps into a constructed element; its children are then read until <see cref="HasMore"/> says false.</summary>
        public void Enter(in Asn1StreamingHeader header)
        {
            if (!header.IsConstructed)
            {
                throw Malformed($"a {header.Describe()} was expected to be constructed");
            }

            if (_containers.Count >= MaxDepth)
            {
                throw Malformed($"its elements nest more than {MaxDepth} levels deep");
            }

            _containers.Push(new Container(header.IsIndefinite, header.IsIndefinite ? Limit : header.End));
        }

        /// <summary>True while the current container has another child.</summary>
        public bool HasMore()
        {
            var top = _containers.Peek();
            if (top.Indefinite)
            {
                return !PeekEndOfContents();
            }

            return _position < top.Limit;
        }

        /// <summary>Steps out of the current container, skipping any children not read.</summary>
        public void Leave()
        {
            while (HasMore())
            {
                Skip(ReadHeader());
            }

            var top = _containers.Pop();
            if (top.Indefinite)
            {
                Consume(2);
            }
        }

        /// <summary>Skips an element whose header was read.</summary>
        public void Skip(in Asn1StreamingHeader header)
        {
            if (!header.IsIndefinite)
            {
                Consume(header.Length);
                return;
            }

            Enter(header);
            Leave();
        }

        /// <summary>The contents octets of a definite-length element (an OBJECT IDENTIFIER, an INTEGER...).</summary>
        public byte[] ReadContents(in Asn1StreamingHeader header)
        {
            if (header.IsIndefinite || header.IsConstructed)
            {
                throw Malformed($"a {header.Describe()} was expected to be primitive");
            }

            if (header.Length > MaxElementBytes)
            {
                throw Malformed($"a {header.Describe()} of {header.Length:N0} bytes is larger than this reader accepts");
            }

            if (header.Length <= BufferSize)
            {
                var contents = new byte[header.Length];
                ReadExactly(contents);
                return contents;
            }

            // A length field is only a claim: the buffer grows with the bytes that arrive, so a short input cannot make it allocate the claim.
            using var collected = new MemoryStream();
            var chunk = new byte[BufferSize];
            for (long left = header.Length; left > 0;)
            {
                int n = (int)Math.Min(chunk.Length, left);
                ReadExactly(chunk.AsSpan(0, n));
                collected.Write(chunk, 0, n);
                left -= n;
            }

            return collected.ToArray();
        }

        /// <summary>The whole element (header and contents) whose header was read, at most <see cref="MaxElementBytes"/>.</summary>
        public byte[] ReadElement(in Asn1StreamingHeader header)
        {
            using var captured = new MemoryStream();
            Capture(header, captured);
            return captured.ToArray();
        }

        /// <summary>Reads an OBJECT IDENTIFIER and returns it in dotted form.</summary>
        public string ReadObjectIdentifier(string meaning)
        {
            var header = ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagObjectIdentifier, meaning);
            if (header.IsConstructed || header.IsIndefinite)
            {
                throw Malformed($"{meaning} is not a primitive OBJECT IDENTIFIER of definite length");
            }

            if (header.Length > 1024)
            {
                throw Malformed($"{meaning} is {header.Length:N0} bytes long");
            }

            var headerBytes = EncodeHeader(header);
            var element = new byte[headerBytes.Length + header.Length];
            headerBytes.CopyTo(element, 0);
            ReadExactly(element.AsSpan(headerBytes.Length));
            return Decode(() => DerObjectIdentifier.GetInstance(Asn1Object.FromByteArray(element)).Id, meaning);
        }

        /// <summary>
        /// A stream of the contents of an OCTET STRING whose header was read (primitive, or constructed from
        /// segments, definite or indefinite). Read it to its end before reading anything else from this reader.
        /// </summary>
        public Stream OpenOctetString(in Asn1StreamingHeader header) => new Asn1StreamingOctetStream(this, header);

        /// <summary>Reads up to <paramref name="destination"/>.Length bytes, at most <paramref name="max"/>; 0 only at the end of the stream.</summary>
        public int Read(Span<byte> destination, long max)
        {
            int wanted = (int)Math.Min(destination.Length, max);
            if (wanted == 0)
            {
                return 0;
            }

            if (_count == 0 && (wanted >= DirectReadMinimum || !ReadsAhead))
            {
                int direct = _input.Read(destination[..wanted]);
                _position += direct;
                return direct;
            }

            if (_count == 0 && !Fill(1))
            {
                return 0;
            }

            int n = Math.Min(wanted, _count);
            _buffer.AsSpan(_offset, n).CopyTo(destination);
            _offset += n;
            _count -= n;
            _position += n;
            return n;
        }

        /// <summary>Reads exactly <paramref name="destination"/>.Length bytes; a truncated stream is a malformed message.</summary>
        public void ReadExactly(Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                int n = Read(destination, destination.Length);
                if (n == 0)
                {
                    throw Truncated();
                }

                destination = destination[n..];
            }
        }

        /// <summary>True when the next two bytes are an end-of-contents marker (not consumed).</summary>
        public bool PeekEndOfContents()
        {
            if (!Fill(2))
            {
                throw Truncated();
            }

            return _buffer[_offset] == 0 && _buffer[_offset + 1] == 0;
        }

        /// <summary>Runs a BouncyCastle decoding step, turning its exceptions into a malformed-message error.</summary>
        public T Decode<T>(Func<T> decode, string meaning)
        {
            try
            {
                return decode();
            }
            catch (Exception e) when (DecodingFailure.Is(e))
            {
                throw Malformed($"{meaning} cannot be decoded ({e.Message})", e);
            }
        }

        public SmimeException Malformed(string detail, Exception? inner = null) =>
            new(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData,
                $"{What} is damaged or is not the CMS structure expected: {detail} (near byte {_position:N0}).",
                "The message may be truncated or corrupted in transit; ask the sender to send it again.", null, inner);

        public SmimeException Truncated() =>
            Malformed("the data ends in the middle of an element (truncated)");

        /// <summary>The identifier and length octets of a header, in the shortest form.</summary>
        internal static byte[] EncodeHeader(in Asn1StreamingHeader header)
        {
            var bytes = new List<byte>(12);
            int first = header.TagClass | (header.IsConstructed ? 0x20 : 0);
            if (header.TagNumber < 31)
            {
                bytes.Add((byte)(first | header.TagNumber));
            }
            else
            {
                bytes.Add((byte)(first | 0x1F));
                int shift = 28;
                while (shift > 0 && (header.TagNumber >> shift) == 0)
                {
                    shift -= 7;
                }

                for (; shift > 0; shift -= 7)
                {
                    bytes.Add((byte)(0x80 | ((header.TagNumber >> shift) & 0x7F)));
                }

                bytes.Add((byte)(header.TagNumber & 0x7F));
            }

            Asn1StreamingWriter.AddLength(bytes, header.Length);
            return bytes.ToArray();
        }

        private void Capture(in Asn1StreamingHeader header, MemoryStream captured)
        {
            var headerBytes = EncodeHeader(header);
            captured.Write(headerBytes);
            if (!header.IsIndefinite)
            {
                if (captured.Length + header.Length > MaxElementBytes)
                {
                    throw Malformed($"an element of more than {MaxElementBytes / (1024 * 1024)} MiB was found where certificates or signer data belong");
                }

                Span<byte> chunk = stackalloc byte[4096];
                long remaining = header.Length;
                while (remaining > 0)
                {
                    int n = Read(chunk, remaining);
                    if (n == 0)
                    {
                        throw Truncated();
                    }

                    captured.Write(chunk[..n]);
                    remaining -= n;
                }

                return;
            }

            Enter(header);
            while (HasMore())
            {
                Capture(ReadHeader(), captured);
            }

            Leave();
            captured.WriteByte(0);
            captured.WriteByte(0);
        }

        private int ReadByte()
        {
            if (_count == 0 && !Fill(1))
            {
                throw Truncated();
            }

            _count--;
            _position++;
            return _buffer[_offset++];
        }

        private void Consume(long count)
        {
            while (count > 0)
            {
                if (_count == 0 && !Fill(1))
                {
                    throw Truncated();
                }

                int n = (int)Math.Min(count, _count);
                _offset += n;
                _count -= n;
                _position += n;
                count -= n;
            }
        }

        /// <summary>Makes at least <paramref name="wanted"/> bytes available in the buffer; false when the stream ends first.</summary>
        private bool Fill(int wanted)
        {
            if (_count >= wanted)
            {
                return true;
            }

            if (_offset > 0)
            {
                Buffer.BlockCopy(_buffer, _offset, _buffer, 0, _count);
                _offset = 0;
            }

            while (_count < wanted)
            {
                int n = _input.Read(_buffer, _count, ReadsAhead ? _buffer.Length - _count : wanted - _count);
                if (n == 0)
                {
                    return false;
                }

                _count += n;
            }

            return true;
        }

        private readonly struct Container
        {
            public Container(bool indefinite, long limit)
            {
                Indefinite = indefinite;
                Limit = limit;
            }

            public bool Indefinite { get; }

            /// <summary>The end of a definite container, else the limit inherited from outside.</summary>
            public long Limit { get; }
        }
    }
}
