using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// Writes a large file on a thread of its own: what is written is copied into one of four 1 MiB buffers (from the shared pool, so a pipeline of large files reuses them), and the
    /// thread writes each full one to the stream beneath while the caller goes on making content (hashing, encrypting).
    /// On a large message the kernel's copy into the page cache took as long as the SHA-256 of the content; now the two
    /// run side by side.
    /// </summary>
    /// <remarks>
    /// <see cref="Flush"/>, and anything other than writing (reading, seeking, the length), first waits for every buffer to be
    /// written, so the stream beneath is never used by two threads at once. A write that failed on the thread is thrown by
    /// the next call here; the buffers after it are dropped. <see cref="Abandon"/> drops what is still queued. The stream
    /// beneath is not closed.
    /// </remarks>
    internal sealed class WriteBehindStream : Stream
    {
        internal const int BufferSize = 1 << 20;
        private const int BufferCount = 4;

        private readonly Stream _inner;
        private readonly object _gate = new();
        private readonly Queue<(byte[] Buffer, int Count)> _queue = new();
        private readonly Stack<byte[]> _free = new();
        private int _made;
        private int _outstanding;
        private bool _closing;
        private bool _abandoned;
        private bool _disposed;
        private ExceptionDispatchInfo? _failure;
        private Thread? _thread;
        private byte[]? _current;
        private int _used;
        private long _position;

        /// <param name="inner">Where the buffers go; left open.</param>
        public WriteBehindStream(Stream inner)
        {
            _inner = inner ?? throw new ArgumentNullException(nameof(inner));
            _position = inner.CanSeek ? inner.Position : 0;
        }

        public override bool CanRead => _inner.CanRead;

        public override bool CanSeek => _inner.CanSeek;

        public override bool CanWrite => true;

        public override long Length
        {
            get
            {
                Drain();
                return _inner.Length;
            }
        }

        /// <summary>Where the next write goes, counting what is still queued.</summary>
        public override long Position
        {
            get => _position;
            set
            {
                Drain();
                _inner.Position = value;
                _position = value;
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfFailed();
            while (!buffer.IsEmpty)
            {
                _current ??= TakeFree();
                var n = Math.Min(buffer.Length, BufferSize - _used);
                buffer[..n].CopyTo(_current.AsSpan(_used));
                _used += n;
                _position += n;
                buffer = buffer[n..];
                if (_used == BufferSize)
                {
                    Submit();
                }
            }
        }

        public override void WriteByte(byte value) => Write(stackalloc byte[] { value });

        /// <summary>Waits for everything written to reach the stream beneath, then flushes it.</summary>
        public override void Flush()
        {
            Drain();
            _inner.Flush();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Drain();
            var n = _inner.Read(buffer);
            _position = _inner.Position;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            Drain();
            _position = _inner.Seek(offset, origin);
            return _position;
        }

        public override void SetLength(long value)
        {
            Drain();
            _inner.SetLength(value);
        }

        /// <summary>Waits until everything written so far is in the stream beneath (not flushed); throws what failed there.</summary>
        public void Drain()
        {
            if (_current != null && _used > 0)
            {
                Submit();
            }

            lock (_gate)
            {
                while (_outstanding > 0)
                {
                    Monitor.Wait(_gate);
                }
            }

            ThrowIfFailed();
        }

        /// <summary>Drops what is queued and stops the thread: for a file that is thrown away.</summary>
        public void Abandon()
        {
            lock (_gate)
            {
                _abandoned = true;
            }

            Dispose();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                Thread? thread;
                lock (_gate)
                {
                    _closing = true;
                    thread = _thread;
                    Monitor.PulseAll(_gate);
                }

                thread?.Join();
                lock (_gate)
                {
                    // Back to the pool once no write can still be reading them.
                    while (_free.Count > 0)
                    {
                        ArrayPool<byte>.Shared.Return(_free.Pop());
                    }

                    if (_current != null)
                    {
                        ArrayPool<byte>.Shared.Return(_current);
                        _current = null;
                    }
                }
            }

            base.Dispose(disposing);
        }

        private byte[] TakeFree()
        {
            lock (_gate)
            {
                while (true)
                {
                    if (_free.Count > 0)
                    {
                        return _free.Pop();
                    }

                    if (_made < BufferCount)
                    {
                        _made++;
                        return ArrayPool<byte>.Shared.Rent(BufferSize);
                    }

                    Monitor.Wait(_gate);
                }
            }
        }

        private void Submit()
        {
            lock (_gate)
            {
                _queue.Enqueue((_current!, _used));
                _outstanding++;
                if (_thread == null)
                {
                    _thread = new Thread(WriteQueued) { IsBackground = true, Name = "SmimeTools write-behind" };
                    _thread.Start();
                }

                Monitor.PulseAll(_gate);
            }

            _current = null;
            _used = 0;
        }

        private void WriteQueued()
        {
            while (true)
            {
                (byte[] Buffer, int Count) item;
                bool skip;
                lock (_gate)
                {
                    while (_queue.Count == 0 && !_closing)
                    {
                        Monitor.Wait(_gate);
                    }

                    if (_queue.Count == 0)
                    {
                        return;
                    }

                    item = _queue.Dequeue();
                    skip = _failure != null || _abandoned;
                }

                try
                {
                    if (!skip)
                    {
                        _inner.Write(item.Buffer, 0, item.Count);
                    }
                }
                catch (Exception e)
                {
                    lock (_gate)
                    {
                        _failure ??= ExceptionDispatchInfo.Capture(e);
                    }
                }

                lock (_gate)
                {
                    _free.Push(item.Buffer);
                    _outstanding--;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        private void ThrowIfFailed()
        {
            ExceptionDispatchInfo? failure;
            lock (_gate)
            {
                failure = _failure;
            }

            failure?.Throw();
        }
    }
}
