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

        public byte[] Digest { get; set; } = Array.Empty<byte>();

        public long Length { get; private set; }

        /// <summary>The last (up to) <see cref="TailLength"/> bytes of the content.</summary>
        public ReadOnlySpan<byte> Tail => _tail.AsSpan(0, _tailCount);

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
