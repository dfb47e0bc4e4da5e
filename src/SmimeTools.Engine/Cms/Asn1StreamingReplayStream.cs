using System;
using System.IO;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// A read-only stream that first gives back bytes already taken from <c>inner</c> (a peek), then continues
    /// with <c>inner</c> itself. It does not own <c>inner</c>: disposing it leaves <c>inner</c> open.
    /// </summary>
    internal sealed class Asn1StreamingReplayStream : ForwardReadStream, IO.IRemainingBound
    {
        private readonly byte[] _head;
        private readonly int _headCount;
        private readonly Stream _inner;
        private int _headOffset;
        private long _position;

        public Asn1StreamingReplayStream(byte[] head, int headCount, Stream inner)
        {
            _head = head;
            _headCount = headCount;
            _inner = inner;
        }

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public long MostRemaining => IO.BufferSizes.Remaining(_inner) is var inner and >= 0 ? inner + (_headCount - _headOffset) : -1;

        public override int Read(Span<byte> buffer)
        {
            int n;
            if (_headOffset < _headCount)
            {
                n = Math.Min(buffer.Length, _headCount - _headOffset);
                _head.AsSpan(_headOffset, n).CopyTo(buffer);
                _headOffset += n;
            }
            else
            {
                n = _inner.Read(buffer);
            }

            _position += n;
            return n;
        }
    }
}
