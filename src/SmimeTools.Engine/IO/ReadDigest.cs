using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// The SHA-256 digest of a file, taken from what its readers read: each byte is hashed when a read first reaches it in
    /// order from the start (reading again, or seeking back, adds nothing), and <see cref="Finish"/> reads only what no
    /// reader reached. So a file that is read whole anyway is digested without being read once more.
    /// </summary>
    internal sealed class ReadDigest : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly object _gate = new();
        private long _covered;

        /// <summary>How many bytes from the start are in the digest.</summary>
        public long Covered
        {
            get
            {
                lock (_gate)
                {
                    return _covered;
                }
            }
        }

        /// <summary>Wraps a stream over the file, whose position is the file's, so what is read through it is digested.</summary>
        public Stream Observe(Stream file) => new ObservedStream(file, this);

        /// <summary>Reads what no reader reached, to the end of <paramref name="path"/>, and gives the digest of the whole file.</summary>
        public byte[] Finish(string path, CancellationToken cancellationToken)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            lock (_gate)
            {
                file.Position = _covered;
                var buffer = new byte[BufferSizes.For(file.Length - _covered)];
                int read;
                while ((read = file.Read(buffer)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    _hash.AppendData(buffer.AsSpan(0, read));
                    _covered += read;
                }

                return _hash.GetHashAndReset();
            }
        }

        public void Dispose() => _hash.Dispose();

        private void Saw(long position, ReadOnlySpan<byte> data)
        {
            lock (_gate)
            {
                var end = position + data.Length;
                if (position <= _covered && end > _covered)
                {
                    _hash.AppendData(data[(int)(_covered - position)..]);
                    _covered = end;
                }
            }
        }

        private sealed class ObservedStream : Stream
        {
            private readonly Stream _inner;
            private readonly ReadDigest _digest;

            public ObservedStream(Stream inner, ReadDigest digest)
            {
                _inner = inner;
                _digest = digest;
            }

            public override bool CanRead => true;

            public override bool CanSeek => _inner.CanSeek;

            public override bool CanWrite => false;

            public override long Length => _inner.Length;

            public override long Position
            {
                get => _inner.Position;
                set => _inner.Position = value;
            }

            public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

            public override int Read(Span<byte> buffer)
            {
                var at = _inner.Position;
                var read = _inner.Read(buffer);
                _digest.Saw(at, buffer[..read]);
                return read;
            }

            public override int ReadByte()
            {
                Span<byte> one = stackalloc byte[1];
                return Read(one) == 1 ? one[0] : -1;
            }

            public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);

            public override void Flush()
            {
            }

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _inner.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }
}
