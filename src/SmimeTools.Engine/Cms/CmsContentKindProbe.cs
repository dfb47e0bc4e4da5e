using System;
using System.IO;
using Org.BouncyCastle.Asn1;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Tells which CMS structure a stream holds from its first bytes (the ContentInfo contentType), without
    /// consuming it: the caller goes on reading from the stream it is given back.
    /// </summary>
    public static class CmsContentKindProbe
    {
        /// <summary>How many bytes are looked at: the outer header (at most 10) and the contentType OID fit easily.</summary>
        public const int PeekSize = 64;

        private static readonly (byte[] Encoding, CmsContentKind Kind)[] Known =
        {
            (Encode(CmsOid.SignedData), CmsContentKind.SignedData),
            (Encode(CmsOid.EnvelopedData), CmsContentKind.EnvelopedData),
            (Encode(CmsOid.AuthEnvelopedData), CmsContentKind.AuthEnvelopedData),
            (Encode(CmsOid.CompressedData), CmsContentKind.CompressedData),
            (Encode(CmsOid.Data), CmsContentKind.Data),
        };

        /// <summary>The kind of the CMS structure that starts with <paramref name="head"/>; Unknown when it is not CMS.</summary>
        public static CmsContentKind Identify(ReadOnlySpan<byte> head)
        {
            // ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, content [0] EXPLICIT ANY OPTIONAL }
            if (head.Length < 2 || head[0] != 0x30)
            {
                return CmsContentKind.Unknown;
            }

            int offset = 2;
            int lengthByte = head[1];
            if (lengthByte > 0x80)
            {
                int octets = lengthByte & 0x7F;
                if (octets > 8)
                {
                    return CmsContentKind.Unknown;
                }

                offset += octets;
            }

            var afterHeader = head[Math.Min(offset, head.Length)..];
            foreach (var (encoding, kind) in Known)
            {
                if (afterHeader.StartsWith(encoding))
                {
                    return kind;
                }
            }

            return CmsContentKind.Unknown;
        }

        /// <summary>
        /// Peeks at <paramref name="input"/> and returns its kind with the stream to read the data from afterwards:
        /// <paramref name="input"/> itself, moved back, when it can seek; otherwise a stream that replays the
        /// peeked bytes and then continues with <paramref name="input"/> (disposing it leaves <paramref name="input"/> open).
        /// </summary>
        public static (CmsContentKind Kind, Stream Content) Identify(Stream input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var head = new byte[PeekSize];
            long start = input.CanSeek ? input.Position : 0;
            int count = 0;
            while (count < head.Length)
            {
                int n = input.Read(head, count, head.Length - count);
                if (n == 0)
                {
                    break;
                }

                count += n;
            }

            var kind = Identify(head.AsSpan(0, count));
            if (input.CanSeek)
            {
                input.Position = start;
                return (kind, input);
            }

            return (kind, new Asn1StreamingReplayStream(head, count, input));
        }

        private static byte[] Encode(string oid) => new DerObjectIdentifier(oid).GetEncoded(Asn1Encodable.Der);
    }
}
