using System;
using System.Collections.Generic;
using System.IO;
using Org.BouncyCastle.Asn1;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Writes the BER framing of streamed CMS: indefinite-length headers, end-of-contents markers and
    /// chunked OCTET STRINGs, with the small parts DER-encoded by BouncyCastle in between.
    /// openssl, gpgsm and NSS all read indefinite-length BER, and it lets content of any size pass in one go.
    /// </summary>
    internal static class Asn1StreamingWriter
    {
        /// <summary>SEQUENCE, constructed.</summary>
        public const byte Sequence = 0x30;

        /// <summary>[0] EXPLICIT, constructed context-specific.</summary>
        public const byte ContextZero = 0xA0;

        /// <summary>OCTET STRING, constructed (segments follow).</summary>
        public const byte ConstructedOctetString = 0x24;

        /// <summary>The size of the OCTET STRING segments of streamed content: small enough for every reader, big enough that framing costs nothing.</summary>
        public const int DefaultChunkSize = 8192;

        /// <summary>Writes an indefinite-length header with a single-byte tag.</summary>
        public static void WriteIndefinite(Stream output, byte tag)
        {
            Span<byte> header = stackalloc byte[] { tag, 0x80 };
            output.Write(header);
        }

        /// <summary>Closes <paramref name="count"/> indefinite-length elements.</summary>
        public static void WriteEndOfContents(Stream output, int count = 1)
        {
            Span<byte> end = stackalloc byte[2];
            for (int i = 0; i < count; i++)
            {
                output.Write(end);
            }
        }

        /// <summary>Writes an element DER-encoded.</summary>
        public static void WriteDer(Stream output, Asn1Encodable element) => output.Write(element.GetEncoded(Asn1Encodable.Der));

        /// <summary>
        /// Opens a constructed, indefinite-length OCTET STRING on <paramref name="output"/>; call
        /// <see cref="Asn1StreamingOctetStringWriter.Complete"/> when the content is written.
        /// </summary>
        public static Asn1StreamingOctetStringWriter OpenOctetString(Stream output, int chunkSize = DefaultChunkSize) =>
            new(output, chunkSize);

        /// <summary>Appends BER length octets: the shortest definite form, or 0x80 for -1 (indefinite).</summary>
        internal static void AddLength(List<byte> bytes, long length)
        {
            if (length < 0)
            {
                bytes.Add(0x80);
                return;
            }

            if (length < 0x80)
            {
                bytes.Add((byte)length);
                return;
            }

            int octets = 0;
            for (long v = length; v > 0; v >>= 8)
            {
                octets++;
            }

            bytes.Add((byte)(0x80 | octets));
            for (int shift = (octets - 1) * 8; shift >= 0; shift -= 8)
            {
                bytes.Add((byte)(length >> shift));
            }
        }

        /// <summary>The header of a primitive OCTET STRING of <paramref name="length"/> bytes.</summary>
        internal static int EncodeOctetStringHeader(Span<byte> destination, int length)
        {
            destination[0] = 0x04;
            if (length < 0x80)
            {
                destination[1] = (byte)length;
                return 2;
            }

            if (length <= 0xFF)
            {
                destination[1] = 0x81;
                destination[2] = (byte)length;
                return 3;
            }

            if (length <= 0xFFFF)
            {
                destination[1] = 0x82;
                destination[2] = (byte)(length >> 8);
                destination[3] = (byte)length;
                return 4;
            }

            destination[1] = 0x84;
            destination[2] = (byte)(length >> 24);
            destination[3] = (byte)(length >> 16);
            destination[4] = (byte)(length >> 8);
            destination[5] = (byte)length;
            return 6;
        }
    }
}
