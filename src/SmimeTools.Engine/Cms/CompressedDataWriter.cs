using System;
using System.IO;
using System.IO.Compression;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Writes CMS CompressedData (RFC 3274, zlib) around content of any size, in one pass:
    /// indefinite-length BER with the compressed bytes in OCTET STRING segments.
    /// </summary>
    public static class CompressedDataWriter
    {
        private const int CopyBufferSize = 64 * 1024;

        /// <summary>Compresses <paramref name="content"/> (the MIME entity) into a CompressedData ContentInfo on <paramref name="output"/>.</summary>
        public static void Write(Stream content, Stream output, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(content);
            ArgumentNullException.ThrowIfNull(output);

            // ContentInfo { id-ct-compressedData, [0] CompressedData { 0, zlib, EncapsulatedContentInfo { id-data, [0] OCTET STRING
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.Sequence);
            Asn1StreamingWriter.WriteDer(output, new DerObjectIdentifier(CmsOid.CompressedData));
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.ContextZero);
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.Sequence);
            Asn1StreamingWriter.WriteDer(output, DerInteger.ValueOf(0));
            // RFC 3274 §2: the zlib algorithm identifier has no parameters.
            Asn1StreamingWriter.WriteDer(output, new AlgorithmIdentifier(new DerObjectIdentifier(CmsOid.ZlibCompression)));
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.Sequence);
            Asn1StreamingWriter.WriteDer(output, new DerObjectIdentifier(CmsOid.Data));
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.ContextZero);

            var octets = Asn1StreamingWriter.OpenOctetString(output);
            using (var zlib = new ZLibStream(octets, CompressionLevel.Optimal, leaveOpen: true))
            {
                var buffer = new byte[CopyBufferSize];
                int n;
                while ((n = content.Read(buffer, 0, buffer.Length)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    zlib.Write(buffer, 0, n);
                }
            }

            octets.Complete();
            Asn1StreamingWriter.WriteEndOfContents(output, 5);
            output.Flush();
        }
    }
}
