using System;
using System.IO;

namespace SmimeTools.Engine.Messages
{
    /// <summary>Passes writes and reads through but leaves the inner stream open when disposed.</summary>
    internal sealed class KeepOpenStream : Stream
    {
        private readonly Stream _inner;

        public KeepOpenStream(Stream inner) => _inner = inner;

        public override bool CanRead => _inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => _inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        // Zero-length writes are dropped: ASN.1 encoders make them (NULL parameters), and MimeKit's encoder filters fail on them.
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (count > 0)
            {
                _inner.Write(buffer, offset, count);
            }
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (!buffer.IsEmpty)
            {
                _inner.Write(buffer);
            }
        }

        public override void Flush() => _inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Flush();
            }

            base.Dispose(disposing);
        }
    }
}
