using System;
using System.Collections.Generic;
using System.Security.Cryptography;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// The RecipientInfos a rewrite copied byte for byte from the original (the first <see cref="Count"/> of the new
    /// envelope), fingerprinted, and which of them an old key opened in the original. Unwrapping the same bytes with the
    /// same key gives the same key again, so a check that finds these bytes unchanged, with the encrypted content unchanged,
    /// knows the old key still opens the rewritten message to the same content, without a second private-key operation.
    /// </summary>
    public sealed class CarriedRecipients
    {
        internal CarriedRecipients(IReadOnlyList<byte[]> elements, int opened)
        {
            Count = elements.Count;
            Digest = DigestOf(elements, elements.Count);
            Opened = opened;
        }

        /// <summary>How many RecipientInfos were carried.</summary>
        public int Count { get; }

        /// <summary>SHA-256 over their encodings, in order.</summary>
        public byte[] Digest { get; }

        /// <summary>The position among them of the one the old key opened in the original.</summary>
        public int Opened { get; }

        /// <summary>True when the first <see cref="Count"/> of <paramref name="elements"/> are the carried ones, byte for byte.</summary>
        internal bool AreFirstOf(IReadOnlyList<byte[]> elements) =>
            elements.Count >= Count && CryptographicOperations.FixedTimeEquals(DigestOf(elements, Count), Digest);

        private static byte[] DigestOf(IReadOnlyList<byte[]> elements, int count)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> length = stackalloc byte[4];
            for (var i = 0; i < count; i++)
            {
                // Each encoding's length goes in too, so that moving bytes from one element to the next changes the digest.
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, elements[i].Length);
                hash.AppendData(length);
                hash.AppendData(elements[i]);
            }

            return hash.GetHashAndReset();
        }
    }
}
