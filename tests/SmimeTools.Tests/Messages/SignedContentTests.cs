using System;
using System.IO;
using System.Linq;
using System.Text;
using MimeKit;
using SmimeTools.Engine;
using SmimeTools.Engine.Messages;
using Xunit;

namespace SmimeTools.Tests.Messages
{
    /// <summary>
    /// The signed part of a multipart/signed is cut from the stream in chunks: boundaries that straddle the chunk
    /// edges, bare LF, CR LF and empty parts give exactly the bytes a whole-buffer reading gives.
    /// </summary>
    public sealed class SignedContentTests
    {
        [Theory]
        [InlineData(10, "\r\n")]
        [InlineData(65_500, "\r\n")]
        [InlineData(65_520, "\n")]
        [InlineData(65_530, "\r\n")]
        [InlineData(65_536, "\n")]
        [InlineData(131_060, "\r\n")]
        [InlineData(300_001, "\n")]
        [InlineData(262_100, "\r\n")]
        [InlineData(262_125, "\r\n")]
        [InlineData(262_130, "\n")]
        [InlineData(262_144, "\r\n")]
        [InlineData(524_270, "\r\n")]
        public void SignedPartIsCutExactlyAtItsBoundaries(int bodyLength, string newline)
        {
            var body = string.Concat(Enumerable.Range(0, bodyLength / 40 + 1).Select(i => $"line {i:D6} of the signed text, padded to fifty.{newline}"))[..bodyLength];
            body = body.TrimEnd('\r', '\n');
            var entity = $"Content-Type: text/plain{newline}{newline}{body}";
            var expected = Encoding.ASCII.GetBytes(entity.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));
            var (stream, signed, offsets) = Parse(entity, newline);
            var content = SignedContent.Locate(signed, offsets, "test");
            using var canonical = content.Open();
            using var copy = new MemoryStream();
            canonical.CopyTo(copy);
            Assert.Equal(expected, copy.ToArray());
            Assert.Equal(expected, content.ReadAll(int.MaxValue));

            // Found while reading, the end is where a search of the whole part puts it.
            var delimiter = SignedContent.Find(stream, Encoding.ASCII.GetBytes("\n--sig-boundary"), content.Start - 1, stream.Length);
            Assert.Equal(newline == "\r\n" && delimiter > content.Start ? delimiter - 1 : delimiter, content.Stop);
            var fresh = SignedContent.Locate(signed, offsets, "test");
            Assert.Equal(content.Stop, fresh.Stop);
            Assert.Null(fresh.ReadAll((int)(content.Stop - content.Start) - 1));
            stream.Dispose();
        }

        [Fact]
        public void EmptySignedPartGivesNoBytes()
        {
            var (_, signed, offsets) = Parse(string.Empty, "\r\n");
            var content = SignedContent.Locate(signed, offsets, "test");
            Assert.Equal(content.Start, content.Stop);
        }

        [Fact]
        public void PartWithoutSecondBoundaryIsMalformed()
        {
            const string text = "Content-Type: multipart/signed; boundary=\"b\"; protocol=\"application/pkcs7-signature\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n";
            var stream = new MemoryStream(Encoding.ASCII.GetBytes(text));
            var offsets = new EntityOffsets();
            var entity = offsets.Watch(new MimeParser(stream, MimeFormat.Entity, persistent: true), stream).ParseEntity();
            var error = Assert.Throws<SmimeException>(() => SignedContent.Locate((Multipart)entity, offsets, "test"));
            Assert.Equal(ErrorIds.MalformedMessage, error.ErrorId);
        }

        [Fact]
        public void FindReportsPatternAcrossChunkEdges()
        {
            var data = new byte[200_000];
            var pattern = Encoding.ASCII.GetBytes("\n--boundary");
            foreach (var at in new[] { 65_530, 65_536 - pattern.Length + 1, 131_072 - 3 })
            {
                Array.Clear(data);
                pattern.CopyTo(data, at);
                using var stream = new MemoryStream(data);
                Assert.Equal(at, SignedContent.Find(stream, pattern, 0, data.Length));
                Assert.Equal(-1, SignedContent.Find(stream, pattern, at + 1, data.Length));
                Assert.Equal(-1, SignedContent.Find(stream, pattern, 0, at + pattern.Length - 1));
            }
        }

        private static (Stream Stream, Multipart Signed, EntityOffsets Offsets) Parse(string entity, string newline)
        {
            var text = $"Content-Type: multipart/signed; boundary=\"sig-boundary\"; protocol=\"application/pkcs7-signature\"; micalg=sha-256{newline}{newline}"
                + $"--sig-boundary{newline}{entity}{newline}--sig-boundary{newline}"
                + $"Content-Type: application/pkcs7-signature{newline}Content-Transfer-Encoding: base64{newline}{newline}AAAA{newline}--sig-boundary--{newline}";
            var stream = new MemoryStream(Encoding.ASCII.GetBytes(text));
            var offsets = new EntityOffsets();
            var parsed = offsets.Watch(new MimeParser(stream, MimeFormat.Entity, persistent: true), stream).ParseEntity();
            return (stream, (Multipart)parsed, offsets);
        }
    }
}
