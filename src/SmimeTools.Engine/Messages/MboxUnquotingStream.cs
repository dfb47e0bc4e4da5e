using System;
using System.IO;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Undoes the quoting an mbox file puts on body lines that start with "From " (mboxrd: one '>' comes off every
    /// line that starts with '>'s and then "From "), reading a stream of canonical lines.
    /// </summary>
    internal sealed class MboxUnquotingStream : ForwardReadStream
    {
        private static readonly byte[] From = "From "u8.ToArray();

        private readonly Stream _source;
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _offset;
        private int _count;
        private bool _atLineStart = true;
        private bool _done;

        public MboxUnquotingStream(Stream source) => _source = source ?? throw new ArgumentNullException(nameof(source));

        public override int Read(Span<byte> destination)
        {
            var written = 0;
            while (written < destination.Length)
            {
                if (_count == 0 && !Fill())
                {
                    break;
                }

                if (_atLineStart && !Unquote())
                {
                    // Not enough of the line is buffered to decide yet.
                    if (!Fill())
                    {
                        _atLineStart = false;
                    }

                    continue;
                }

                // Copy up to and including the next LF.
                var span = _buffer.AsSpan(_offset, _count);
                var lf = span.IndexOf((byte)'\n');
                var take = Math.Min(destination.Length - written, lf < 0 ? span.Length : lf + 1);
                span[..take].CopyTo(destination[written..]);
                written += take;
                _offset += take;
                _count -= take;
                _atLineStart = lf >= 0 && take == lf + 1;
            }

            return written;
        }

        /// <summary>At a line start: drops one '>' of a quoted From line; false when more bytes are needed to tell.</summary>
        private bool Unquote()
        {
            var span = _buffer.AsSpan(_offset, _count);
            var quotes = 0;
            while (quotes < span.Length && span[quotes] == '>')
            {
                quotes++;
            }

            if (quotes == 0)
            {
                _atLineStart = false;
                return true;
            }

            var rest = span[quotes..];
            if (rest.Length < From.Length && !_done && _count < _buffer.Length)
            {
                return false;
            }

            if (rest.StartsWith(From))
            {
                _offset++;
                _count--;
            }

            _atLineStart = false;
            return true;
        }

        /// <summary>Reads more, keeping what is buffered; false when the source has ended and nothing is left.</summary>
        private bool Fill()
        {
            if (_done)
            {
                return _count > 0;
            }

            if (_offset > 0)
            {
                Buffer.BlockCopy(_buffer, _offset, _buffer, 0, _count);
                _offset = 0;
            }

            if (_count == _buffer.Length)
            {
                return true;
            }

            var read = _source.Read(_buffer, _count, _buffer.Length - _count);
            if (read == 0)
            {
                _done = true;
            }

            _count += read;
            return _count > 0;
        }


        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _source.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
