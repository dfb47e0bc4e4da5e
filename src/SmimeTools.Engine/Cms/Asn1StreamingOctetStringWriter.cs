using System;
using System.IO;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// A write-only stream that frames what is written to it as a constructed, indefinite-length OCTET STRING
    /// of fixed-size primitive segments. Disposing it does not close the output and does not finish the string:
    /// only <see cref="Complete"/> does, so a failure half-way never looks like a complete structure.
    /// </summary>
    internal sealed class Asn1StreamingOctetStringWriter : Stream
    {
        private readonly Stream _output;
        private readonly byte[] _chunk;
        private int _used;
        private bool _completed;
        private long _length;

        public Asn1StreamingOctetStringWriter(Stream output, int chunkSize)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
            _output = output ?? throw new ArgumentNullException(nameof(output));
            _chunk = new byte[chunkSize];
            Asn1StreamingWriter.WriteIndefinite(_output, Asn1StreamingWriter.ConstructedOctetString);
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !_completed;

        public override long Length => throw new NotSupportedException();

        /// <summary>Content bytes written so far.</summary>
        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_completed)
            {
                throw new InvalidOperationException("The OCTET STRING is already complete.");
            }

            _length += buffer.Length;
            while (!buffer.IsEmpty)
            {
                int n = Math.Min(buffer.Length, _chunk.Length - _used);
                buffer[..n].CopyTo(_chunk.AsSpan(_used));
                _used += n;
                buffer = buffer[n..];
                if (_used == _chunk.Length)
                {
                    WriteSegment();
                }
            }
        }

        /// <summary>Writes the last segment and the end-of-contents marker.</summary>
        public void Complete()
        {
            if (_completed)
            {
                return;
            }

            if (_used > 0)
            {
                WriteSegment();
            }

            Asn1StreamingWriter.WriteEndOfContents(_output);
            _completed = true;
        }

        public override void Flush()
        {
            // Segments are written whole; a partial one waits for more content or Complete().
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private void WriteSegment()
        {
            Span<byte> header = stackalloc byte[6];
            int headerLength = Asn1StreamingWriter.EncodeOctetStringHeader(header, _used);
            _output.Write(header[..headerLength]);
            _output.Write(_chunk, 0, _used);
            _used = 0;
        }
    }
}
