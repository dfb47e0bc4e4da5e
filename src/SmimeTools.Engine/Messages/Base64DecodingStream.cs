using System;
using System.Buffers;
using System.Buffers.Text;
using System.IO;
using SmimeTools.Engine.IO;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Reads base64 text as the bytes it encodes, fast: line ends are taken out and whole runs are decoded with
    /// .NET's vectorised decoder. Like MIME readers generally (RFC 2045 §6.8), it ignores characters outside the
    /// alphabet, and padding in the middle ends a quantum without ending the data (concatenated base64).
    /// </summary>
    internal sealed class Base64DecodingStream : ForwardReadStream, IRemainingBound
    {
        private readonly Stream _source;
        private readonly bool _leaveOpen;
        private readonly byte[] _text;
        private readonly byte[] _clean;
        private readonly byte[] _decoded;
        private int _cleanCount;
        private int _decodedOffset;
        private int _decodedCount;
        private bool _sourceDone;
        private long _position;

        public Base64DecodingStream(Stream source, bool leaveOpen = false)
        {
            _source = source ?? throw new ArgumentNullException(nameof(source));
            _leaveOpen = leaveOpen;
            var size = BufferSizes.ForReading(source);
            _text = new byte[size];
            _clean = new byte[size + 4];
            _decoded = new byte[size];
        }

        /// <summary>Three bytes for every four characters of text left, and what is decoded or waiting.</summary>
        public long MostRemaining
        {
            get
            {
                var text = BufferSizes.Remaining(_source);
                return text < 0 ? -1 : ((text + _cleanCount) / 4 * 3) + 3 + _decodedCount;
            }
        }

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            while (_decodedCount == 0)
            {
                if (!Fill())
                {
                    return 0;
                }
            }

            var n = Math.Min(buffer.Length, _decodedCount);
            _decoded.AsSpan(_decodedOffset, n).CopyTo(buffer);
            _decodedOffset += n;
            _decodedCount -= n;
            _position += n;
            return n;
        }

        public override int ReadByte()
        {
            Span<byte> one = stackalloc byte[1];
            return Read(one) == 1 ? one[0] : -1;
        }

        /// <summary>Decodes the next run of text; false at the end of the data.</summary>
        private bool Fill()
        {
            _decodedOffset = 0;
            _decodedCount = 0;
            if (_sourceDone)
            {
                return false;
            }

            var read = _source.Read(_text, 0, _text.Length - _cleanCount);
            if (read == 0)
            {
                _sourceDone = true;
            }
            else
            {
                Clean(_text.AsSpan(0, read));
            }

            Decode(final: _sourceDone);
            return true;
        }

        /// <summary>Appends the alphabet characters and padding of <paramref name="text"/> to the clean buffer.</summary>
        private void Clean(ReadOnlySpan<byte> text)
        {
            var clean = _clean.AsSpan(_cleanCount);
            var written = 0;
            while (!text.IsEmpty)
            {
                // Lines are long runs of alphabet characters: copy them whole.
                var stop = text.IndexOfAnyExcept(Alphabet);
                if (stop < 0)
                {
                    text.CopyTo(clean[written..]);
                    written += text.Length;
                    break;
                }

                text[..stop].CopyTo(clean[written..]);
                written += stop;
                if (text[stop] == (byte)'=')
                {
                    clean[written++] = (byte)'=';
                }

                text = text[(stop + 1)..];
            }

            _cleanCount += written;
        }

        /// <summary>Decodes the clean text; a partial quantum at its end waits for more text unless it is the last.</summary>
        private void Decode(bool final)
        {
            var input = _clean.AsSpan(0, _cleanCount);
            var output = _decoded.AsSpan();
            var produced = 0;
            var carried = 0;
            while (!input.IsEmpty)
            {
                var padding = input.IndexOf((byte)'=');
                var segment = padding < 0 ? input : input[..padding];
                var whole = segment.Length - (segment.Length % 4);
                Base64.DecodeFromUtf8(segment[..whole], output[produced..], out _, out var written, isFinalBlock: true);
                produced += written;
                var rest = segment[whole..];
                if (padding < 0)
                {
                    if (final)
                    {
                        produced += DecodePartial(rest, output[produced..]);
                    }
                    else
                    {
                        carried = rest.Length;
                    }

                    break;
                }

                // Padding ends the quantum; more base64 may follow it (concatenated parts).
                produced += DecodePartial(rest, output[produced..]);
                input = input[padding..].TrimStart((byte)'=');
            }

            if (carried > 0)
            {
                Buffer.BlockCopy(_clean, _cleanCount - carried, _clean, 0, carried);
            }

            _cleanCount = carried;
            _decodedCount = produced;
        }

        /// <summary>One to three characters of a quantum cut short by padding: the whole bytes they hold.</summary>
        private static int DecodePartial(ReadOnlySpan<byte> characters, Span<byte> output)
        {
            var bits = 0;
            var value = 0;
            var written = 0;
            foreach (var c in characters)
            {
                value = (value << 6) | Sextet(c);
                bits += 6;
                if (bits >= 8)
                {
                    bits -= 8;
                    output[written++] = (byte)(value >> bits);
                }
            }

            return written;
        }

        private static int Sextet(byte c) => c switch
        {
            >= (byte)'A' and <= (byte)'Z' => c - 'A',
            >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
            >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
            (byte)'+' => 62,
            _ => 63,
        };

        private static readonly SearchValues<byte> Alphabet =
            SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);


        protected override void Dispose(bool disposing)
        {
            if (disposing && !_leaveOpen)
            {
                _source.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
