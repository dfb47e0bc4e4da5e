using System;
using System.IO;
using System.Linq;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Cms;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Tests.Interop;
using Xunit;

namespace SmimeTools.Tests.Cms
{
    /// <summary>CompressedData (RFC 3274, zlib): our writer and reader, BouncyCastle's as an independent peer, openssl when it has zlib.</summary>
    public sealed class CompressedDataTests
    {
        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(8192)]
        [InlineData(300_000)]
        public void RoundTrips(int size)
        {
            var content = SigningTestKeys.SampleContent(size);
            var compressed = Compress(content);
            Assert.Equal(CmsContentKind.CompressedData, CmsContentKindProbe.Identify(compressed));

            var output = new MemoryStream();
            long written = CompressedDataReader.Decompress(new ForwardOnlyStream(new MemoryStream(compressed)), output);
            Assert.Equal(size, written);
            Assert.Equal(content, output.ToArray());
        }

        [Fact]
        public void CompressesMimeText()
        {
            var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("Content-Type: text/plain; charset=us-ascii\r\n\r\nHello, compressed world.\r\n", 2000)));
            var compressed = Compress(text);
            Assert.True(compressed.Length < text.Length / 20, $"{text.Length:N0} bytes compressed to {compressed.Length:N0}");
        }

        [Fact]
        public void LargeContentStreamsThrough()
        {
            const long size = 24L * 1024 * 1024;
            var compressed = new MemoryStream();
            CompressedDataWriter.Write(new SigningPatternStream(size), compressed);
            using var sink = new SigningHashingSink();
            Assert.Equal(size, CompressedDataReader.Decompress(new ForwardOnlyStream(new MemoryStream(compressed.ToArray())), sink));
            using var expected = new SigningHashingSink();
            new SigningPatternStream(size).CopyTo(expected);
            Assert.Equal(expected.Finish(), sink.Finish());
        }

        [Fact]
        public void BouncyCastleReadsOursAndWeReadBouncyCastles()
        {
            var content = SigningTestKeys.SampleContent(50_000);
            Assert.Equal(content, new CmsCompressedData(Compress(content)).GetContent());

            var theirs = new CmsCompressedDataGenerator().Generate(new CmsProcessableByteArray(content), CmsCompressedDataGenerator.ZLib).GetEncoded();
            var output = new MemoryStream();
            CompressedDataReader.Decompress(new MemoryStream(theirs), output);
            Assert.Equal(content, output.ToArray());
        }

        [Fact]
        public void EveryTruncationIsMalformed()
        {
            var compressed = Compress(SigningTestKeys.SampleContent(3000));
            for (int length = 0; length < compressed.Length; length++)
            {
                var e = Assert.Throws<SmimeException>(() => CompressedDataReader.Decompress(new MemoryStream(compressed, 0, length), Stream.Null));
                Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
            }
        }

        [Fact]
        public void CorruptZlibDataIsMalformed()
        {
            var compressed = Compress(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("compressible text ", 500))));
            var corrupt = (byte[])compressed.Clone();
            int header = corrupt.AsSpan().IndexOf(new byte[] { 0x24, 0x80, 0x04 });
            for (int i = header + 8; i < header + 40; i++)
            {
                corrupt[i] ^= 0x5A;
            }

            var e = Assert.Throws<SmimeException>(() => CompressedDataReader.Decompress(new MemoryStream(corrupt), Stream.Null));
            Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
        }

        [Fact]
        public void AnotherCompressionAlgorithmIsUnsupported()
        {
            var compressed = Compress(new byte[100]);
            var zlib = new DerObjectIdentifier(CmsOid.ZlibCompression).GetEncoded();
            int at = compressed.AsSpan().IndexOf(zlib);
            compressed[at + zlib.Length - 1] = 0x09;
            var e = Assert.Throws<SmimeException>(() => CompressedDataReader.Decompress(new MemoryStream(compressed), Stream.Null));
            Assert.Equal(ErrorIds.UnsupportedAlgorithm, e.ErrorId);
        }

        [Fact]
        public void OtherCmsTypesAreMalformedHere()
        {
            var e = Assert.Throws<SmimeException>(() => CompressedDataReader.Decompress(new MemoryStream(Encoding.ASCII.GetBytes("not CMS at all")), Stream.Null));
            Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
            var data = new Org.BouncyCastle.Asn1.Cms.ContentInfo(new DerObjectIdentifier(CmsOid.Data), new DerOctetString(new byte[3])).GetEncoded();
            e = Assert.Throws<SmimeException>(() => CompressedDataReader.Decompress(new MemoryStream(data), Stream.Null));
            Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
            Assert.Contains("Data", e.Message, StringComparison.Ordinal);
        }

        [SkippableFact]
        public void OpenSslReadsOursWhenItHasZlib()
        {
            ExternalTool.Require("openssl");

            var folder = Path.Combine(Path.GetTempPath(), "smimetools-compressed-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                var content = SigningTestKeys.SampleContent(10_000);
                var input = Path.Combine(folder, "compressed.p7z");
                File.WriteAllBytes(input, Compress(content));
                var output = Path.Combine(folder, "content.bin");
                var (code, _, stderr) = ExternalTool.Run("openssl", new[] { "cms", "-uncompress", "-binary", "-inform", "DER", "-in", input, "-out", output });
                // Debian's OpenSSL 3.0 is built without zlib (DESIGN §7).
                Skip.If(code != 0 && stderr.Contains("unsupported compression algorithm", StringComparison.OrdinalIgnoreCase), $"Peer limitation: this openssl is built without zlib: {stderr.Trim()}");

                Assert.True(code == 0, stderr);
                Assert.Equal(content, File.ReadAllBytes(output));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        private static byte[] Compress(byte[] content)
        {
            var compressed = new MemoryStream();
            CompressedDataWriter.Write(new MemoryStream(content), compressed);
            return compressed.ToArray();
        }
    }
}
