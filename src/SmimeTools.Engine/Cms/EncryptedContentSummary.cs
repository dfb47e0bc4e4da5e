using System;

namespace SmimeTools.Engine.Cms
{
    /// <summary>What passing an encrypted content through shows of it: its SHA-256, its length, and its last two cipher blocks.</summary>
    internal sealed class EncryptedContentSummary
    {
        /// <summary>Enough for two blocks of any CBC cipher: the last block and the one before it, its IV.</summary>
        public const int TailLength = 32;

        private readonly byte[] _tail = new byte[TailLength];
        private int _tailCount;
        private byte[]? _plaintext;

        public byte[] Digest { get; set; } = Array.Empty<byte>();

        public long Length { get; private set; }

        /// <summary>The last (up to) <see cref="TailLength"/> bytes of the content.</summary>
        public ReadOnlySpan<byte> Tail => _tail.AsSpan(0, _tailCount);

        /// <summary>A decryptor that sees every octet (its plaintext discarded), or null.</summary>
        public ContentCipher? Decryptor { get; init; }

        /// <summary>Feeds <see cref="Decryptor"/>, when there is one, with <paramref name="count"/> bytes of <paramref name="buffer"/>.</summary>
        public void Decrypt(byte[] buffer, int count)
        {
            if (Decryptor == null)
            {
                return;
            }

            if (_plaintext == null || _plaintext.Length < count + ContentCipher.MaxExpansion)
            {
                _plaintext = new byte[buffer.Length + ContentCipher.MaxExpansion];
            }

            int written = Decryptor.Update(buffer, 0, count, _plaintext);
            Array.Clear(_plaintext, 0, written);
        }

        public void Add(ReadOnlySpan<byte> octets)
        {
            Length += octets.Length;
            if (octets.Length >= TailLength)
            {
                octets[^TailLength..].CopyTo(_tail);
                _tailCount = TailLength;
                return;
            }

            int keep = Math.Min(_tailCount, TailLength - octets.Length);
            _tail.AsSpan(_tailCount - keep, keep).CopyTo(_tail);
            octets.CopyTo(_tail.AsSpan(keep));
            _tailCount = keep + octets.Length;
        }
    }
}
