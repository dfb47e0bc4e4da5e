using System;
using System.IO;

namespace SmimeTools.Engine.Cms
{
    /// <summary>Passes writes on, after asking of the first bytes written whether they can be the start of the content.</summary>
    internal sealed class StartCheckingStream : Stream
    {
        private readonly Stream _inner;
        private readonly Func<byte[], bool> _plausible;
        private bool _checked;

        public StartCheckingStream(Stream inner, Func<byte[], bool> plausible)
        {
            _inner = inner;
            _plausible = plausible;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (!_checked && buffer.Length > 0)
            {
                _checked = true;

                // The same error as a wrong key's: what the key was is not told by how the content looks either.
                if (!_plausible(buffer[..Math.Min(buffer.Length, 256)].ToArray()))
                {
                    throw EnvelopedErrors.DecryptionFailed();
                }
            }

            _inner.Write(buffer);
        }

        public override void Flush() => _inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
