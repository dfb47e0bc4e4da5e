using System;
using System.Buffers.Text;
using System.IO;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Writes what is written into it as base64 lines of 76 characters ending in CRLF (RFC 2045 §6.8; or LF), with .NET's
    /// vectorised encoder. <see cref="Flush()"/> writes nothing partial; disposing writes the last line and leaves
    /// the output open.
    /// </summary>
    internal sealed class Base64EncodingStream : Stream
    {
        /// <summary>Bytes per line: 57 bytes are 76 characters.</summary>
        private const int LineBytes = 57;

        private const int MaximumLinesPerBlock = 1024;

        private readonly Stream _output;
        private readonly int _linesPerBlock;
        private readonly byte[] _pending;
        private readonly byte[] _text;
        private readonly bool _bareLf;
        private int _pendingCount;
        private bool _finished;

        /// <param name="output">Where the lines go; left open.</param>
        /// <param name="bareLf">End lines with LF alone, as files that store mail with Unix line ends do.</param>
        /// <param name="expectedBytes">About how many bytes will be written, when known: the buffers are fitted to it.</param>
        public Base64EncodingStream(Stream output, bool bareLf = false, long expectedBytes = -1)
        {
            _output = output ?? throw new ArgumentNullException(nameof(output));
            _bareLf = bareLf;
            _linesPerBlock = expectedBytes < 0 ? MaximumLinesPerBlock : (int)Math.Clamp((expectedBytes / LineBytes) + 1, 8, MaximumLinesPerBlock);
            _pending = new byte[LineBytes * _linesPerBlock];
            _text = new byte[_linesPerBlock * 78];
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !_finished;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_finished, this);
            while (!buffer.IsEmpty)
            {
                // Large writes are encoded where they are, without a copy into the pending buffer, behind the pending
                // bytes made a whole line, in one write. Lines are the same whatever the writes: 57 bytes each.
                if (buffer.Length >= LineBytes)
                {
                    var text = 0;
                    var lines = 0;
                    if (_pendingCount > 0)
                    {
                        var complete = (LineBytes - (_pendingCount % LineBytes)) % LineBytes;
                        buffer[..complete].CopyTo(_pending.AsSpan(_pendingCount));
                        _pendingCount += complete;
                        buffer = buffer[complete..];
                        lines = _pendingCount / LineBytes;
                        text = EncodeLines(_pending.AsSpan(0, _pendingCount), text);
                        _pendingCount = 0;
                    }

                    var whole = Math.Min(buffer.Length - (buffer.Length % LineBytes), (_linesPerBlock - lines) * LineBytes);
                    text = EncodeLines(buffer[..whole], text);
                    buffer = buffer[whole..];
                    _output.Write(_text, 0, text);
                    continue;
                }

                var n = Math.Min(buffer.Length, _pending.Length - _pendingCount);
                buffer[..n].CopyTo(_pending.AsSpan(_pendingCount));
                _pendingCount += n;
                buffer = buffer[n..];
                if (_pendingCount == _pending.Length)
                {
                    Emit(_pendingCount);
                }
            }
        }

        public override void WriteByte(byte value) => Write(stackalloc byte[] { value });

        /// <summary>Encodes the whole lines pending; the bytes of a partial line wait for more or for the end.</summary>
        public override void Flush()
        {
            if (!_finished)
            {
                Emit(_pendingCount - (_pendingCount % LineBytes));
            }

            _output.Flush();
        }

        /// <summary>Writes the last line; nothing may be written after it.</summary>
        public void Finish()
        {
            if (!_finished)
            {
                Emit(_pendingCount);
                _finished = true;
                _output.Flush();
            }
        }

        private void Emit(int count)
        {
            _output.Write(_text, 0, EncodeLines(_pending.AsSpan(0, count), 0));
            var left = _pendingCount - count;
            if (left > 0)
            {
                Buffer.BlockCopy(_pending, count, _pending, 0, left);
            }

            _pendingCount = left;
        }

        /// <summary>
        /// Encodes <paramref name="data"/> as lines (all whole but the last may be short) into the text buffer from
        /// <paramref name="text"/> on; returns where they end. At most as many lines fit as a block holds.
        /// </summary>
        private int EncodeLines(ReadOnlySpan<byte> data, int text)
        {
            for (var at = 0; at < data.Length; at += LineBytes)
            {
                var line = data.Slice(at, Math.Min(LineBytes, data.Length - at));
                Base64.EncodeToUtf8(line, _text.AsSpan(text), out _, out var written);
                text += written;
                if (!_bareLf)
                {
                    _text[text++] = (byte)'\r';
                }

                _text[text++] = (byte)'\n';
            }

            return text;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Finish();
            }

            base.Dispose(disposing);
        }
    }
}
