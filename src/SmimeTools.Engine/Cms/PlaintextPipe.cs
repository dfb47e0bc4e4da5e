using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// A bounded hand-over of bytes from one thread to another, so a decryptor writing plaintext can feed an encryptor
    /// reading it without the plaintext ever being held whole: at most <c>maxChunks</c> pooled chunks wait at a time.
    /// </summary>
    internal sealed class PlaintextPipe
    {
        private readonly object _gate = new();
        private readonly Queue<(byte[] Buffer, int Count)> _chunks = new();
        private readonly int _maxChunks;
        private bool _completed;
        private bool _failed;
        private bool _abandoned;

        public PlaintextPipe(int maxChunks)
        {
            _maxChunks = maxChunks;
            Writer = new WriterStream(this);
            Reader = new ReaderStream(this);
        }

        /// <summary>Runs once, on the writing thread, before the first bytes are handed over.</summary>
        public Action? BeforeFirstWrite { get; set; }

        public Stream Writer { get; }

        /// <summary>True once a write failed because the reader had stopped.</summary>
        public bool RefusedWrite { get; private set; }

        public Stream Reader { get; }

        /// <summary>The writer is done: the reader sees the end once it has taken everything.</summary>
        public void Complete()
        {
            lock (_gate)
            {
                _completed = true;
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>The writer failed: the reader's next read throws, so what it was making is never finished.</summary>
        public void Fail()
        {
            lock (_gate)
            {
                _failed = true;
                Release();
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>The reader stopped: the writer's next write throws instead of waiting for room forever.</summary>
        public void Abandon()
        {
            lock (_gate)
            {
                _abandoned = true;
                Release();
                Monitor.PulseAll(_gate);
            }
        }

        private void Write(ReadOnlySpan<byte> data)
        {
            if (data.IsEmpty)
            {
                return;
            }

            var first = BeforeFirstWrite;
            BeforeFirstWrite = null;
            first?.Invoke();
            byte[] chunk = ArrayPool<byte>.Shared.Rent(data.Length);
            data.CopyTo(chunk);
            lock (_gate)
            {
                while (_chunks.Count >= _maxChunks && !_abandoned)
                {
                    Monitor.Wait(_gate);
                }

                if (_abandoned)
                {
                    RefusedWrite = true;
                    ArrayPool<byte>.Shared.Return(chunk);
                    throw new IOException("The encryption reading the plaintext has stopped.");
                }

                _chunks.Enqueue((chunk, data.Length));
                Monitor.PulseAll(_gate);
            }
        }

        private (byte[] Buffer, int Count)? Take()
        {
            lock (_gate)
            {
                while (_chunks.Count == 0 && !_completed && !_failed)
                {
                    Monitor.Wait(_gate);
                }

                if (_failed)
                {
                    throw new IOException("The decryption writing the plaintext has failed.");
                }

                if (_chunks.Count == 0)
                {
                    return null;
                }

                var chunk = _chunks.Dequeue();
                Monitor.PulseAll(_gate);
                return chunk;
            }
        }

        private void Release()
        {
            while (_chunks.Count > 0)
            {
                ArrayPool<byte>.Shared.Return(_chunks.Dequeue().Buffer, clearArray: true);
            }
        }

        private sealed class WriterStream : Stream
        {
            private readonly PlaintextPipe _pipe;

            public WriterStream(PlaintextPipe pipe) => _pipe = pipe;

            public override bool CanRead => false;

            public override bool CanSeek => false;

            public override bool CanWrite => true;

            public override long Length => throw new NotSupportedException();

            public override long Position
            {
                get => throw new NotSupportedException();
                set => throw new NotSupportedException();
            }

            public override void Write(byte[] buffer, int offset, int count) => _pipe.Write(buffer.AsSpan(offset, count));

            public override void Write(ReadOnlySpan<byte> buffer) => _pipe.Write(buffer);

            public override void Flush()
            {
                // Each write is handed over whole; there is nothing to flush.
            }

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();
        }

        private sealed class ReaderStream : ForwardReadStream
        {
            private readonly PlaintextPipe _pipe;
            private byte[]? _current;
            private int _offset;
            private int _count;

            public ReaderStream(PlaintextPipe pipe) => _pipe = pipe;

            public override int Read(Span<byte> buffer)
            {
                if (buffer.IsEmpty)
                {
                    return 0;
                }

                if (_current == null)
                {
                    var next = _pipe.Take();
                    if (next == null)
                    {
                        return 0;
                    }

                    (_current, _count) = next.Value;
                    _offset = 0;
                }

                int n = Math.Min(buffer.Length, _count - _offset);
                _current.AsSpan(_offset, n).CopyTo(buffer);
                _offset += n;
                if (_offset == _count)
                {
                    ArrayPool<byte>.Shared.Return(_current, clearArray: true);
                    _current = null;
                }

                return n;
            }
        }
    }
}
