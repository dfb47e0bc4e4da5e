using System;
using System.IO;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// Output held in memory until it grows past a limit, then moved to the stream a callback opens (a file) and written
    /// there from then on. Reads, seeks and <see cref="SetLength"/> work on whichever holds the data. The opened stream
    /// belongs to whoever opened it: disposing this only lets go of the memory.
    /// </summary>
    internal sealed class SpillStream : Stream
    {
        /// <summary>
        /// The most a file whose creation waits for its batch's commit keeps in memory: small enough that the batches in
        /// flight hold little (tens of files), large enough for most mail.
        /// </summary>
        internal const int SmallFileLimit = 128 * 1024;

        private readonly int _limit;
        private readonly Func<Stream> _open;
        private MemoryStream? _memory;
        private Stream? _spilled;

        /// <param name="limit">The most bytes held in memory.</param>
        /// <param name="capacity">About how many bytes will be written (the memory is made this large at first).</param>
        /// <param name="open">Opens the stream the data moves to, positioned at its start and empty.</param>
        public SpillStream(int limit, int capacity, Func<Stream> open)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(limit);
            _limit = limit;
            _open = open ?? throw new ArgumentNullException(nameof(open));
            _memory = new MemoryStream(Math.Clamp(capacity, 0, limit));
        }

        /// <summary>Nothing has moved to the opened stream yet: all of the data is <see cref="Buffered"/>.</summary>
        public bool InMemory => _spilled == null;

        /// <summary>The data, while it is <see cref="InMemory"/>.</summary>
        public ReadOnlySpan<byte> Buffered => _memory != null
            ? _memory.GetBuffer().AsSpan(0, (int)_memory.Length)
            : throw new InvalidOperationException("The data has moved out of memory.");

        public override bool CanRead => Current.CanRead;

        public override bool CanSeek => Current.CanSeek;

        public override bool CanWrite => Current.CanWrite;

        public override long Length => Current.Length;

        public override long Position
        {
            get => Current.Position;
            set => Current.Position = value;
        }

        private Stream Current => _spilled ?? _memory ?? throw new ObjectDisposedException(nameof(SpillStream));

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_memory != null && _memory.Position + buffer.Length > _limit)
            {
                Spill();
            }

            Current.Write(buffer);
        }

        public override void WriteByte(byte value) => Write(stackalloc byte[] { value });

        public override int Read(byte[] buffer, int offset, int count) => Current.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => Current.Read(buffer);

        public override long Seek(long offset, SeekOrigin origin) => Current.Seek(offset, origin);

        public override void SetLength(long value)
        {
            if (_memory != null && value > _limit)
            {
                Spill();
            }

            Current.SetLength(value);
        }

        public override void Flush() => Current.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _memory?.Dispose();
                _memory = null;
                _spilled = null;
            }

            base.Dispose(disposing);
        }

        /// <summary>Moves what is in memory to the opened stream, at the same position.</summary>
        private void Spill()
        {
            var memory = _memory!;
            var target = _open();
            target.Write(memory.GetBuffer().AsSpan(0, (int)memory.Length));
            target.Position = memory.Position;
            _spilled = target;
            _memory = null;
            memory.Dispose();
        }
    }
}
