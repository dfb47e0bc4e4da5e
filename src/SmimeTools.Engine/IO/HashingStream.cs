using System;
using System.IO;
using System.Security.Cryptography;

namespace SmimeTools.Engine.IO
{
    /// <summary>A write-through stream that hashes what passes, so content is digested while it is written out.</summary>
    internal sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash;

        public HashingStream(Stream inner, HashAlgorithmName algorithm)
        {
            _inner = inner;
            _hash = IncrementalHash.CreateHash(algorithm);
        }

        public long BytesWritten { get; private set; }

        public byte[] GetHashAndReset() => _hash.GetHashAndReset();

        /// <summary>The digest of what has passed so far; hashing goes on.</summary>
        public byte[] GetCurrentHash() => _hash.GetCurrentHash();

        /// <summary>Adds <paramref name="data"/> to the digest without writing it (content already in the inner stream).</summary>
        public void HashOnly(ReadOnlySpan<byte> data)
        {
            _hash.AppendData(data);
            BytesWritten += data.Length;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => BytesWritten;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _inner.Write(buffer);
            BytesWritten += buffer.Length;
        }

        public override void WriteByte(byte value) => Write(new[] { value });

        public override void Flush() => _inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
