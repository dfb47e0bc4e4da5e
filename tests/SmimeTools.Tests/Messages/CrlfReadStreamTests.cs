using System;
using System.Collections.Generic;
using System.IO;
using SmimeTools.Engine.Messages;
using Xunit;

namespace SmimeTools.Tests.Messages
{
    /// <summary>
    /// <see cref="CrlfReadStream"/> makes every bare LF a CRLF and nothing else, wherever the LF, the CR before it and the
    /// edges of its chunks fall, read in any piece size or copied whole.
    /// </summary>
    public sealed class CrlfReadStreamTests
    {
        public static IEnumerable<object[]> Cases()
        {
            // Line ends: CRLF only (the chunks pass through), bare LF only, lone CRs, and a mix.
            foreach (var mix in new[] { "crlf", "lf", "cr", "mixed" })
            {
                foreach (var length in new[] { 0, 1, 2, 31, 33, 1000, CrlfReadStream.ChunkSize - 1, CrlfReadStream.ChunkSize + 1, 2 * CrlfReadStream.ChunkSize + 77 })
                {
                    yield return new object[] { mix, length };
                }
            }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void ConvertsAsTheSimpleRuleSaysForAnyRangeAndReadSize(string mix, int length)
        {
            var source = Text(mix, length, seed: length);
            foreach (var start in new[] { 0, 1, Math.Min(5, source.Length) })
            {
                if (start > source.Length)
                {
                    continue;
                }

                var expected = Reference(source, start);
                Assert.Equal(expected, ReadAll(source, start, 7));
                Assert.Equal(expected, ReadAll(source, start, 65_536));
                var copied = new MemoryStream();
                new CrlfReadStream(new MemoryStream(source), start, source.Length).CopyTo(copied);
                Assert.Equal(expected, copied.ToArray());
            }
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(2)]
        public void ACrAtTheEndOfOneChunkKeepsTheLfAtTheStartOfTheNext(int shift)
        {
            // CR the last byte of the first chunk, LF the first of the second: one CRLF, not CR CR LF.
            var source = new byte[2 * CrlfReadStream.ChunkSize];
            source.AsSpan().Fill((byte)'a');
            source[CrlfReadStream.ChunkSize - 1 + shift] = (byte)'\r';
            source[CrlfReadStream.ChunkSize + shift] = (byte)'\n';
            source[10] = (byte)'\n';

            var converted = ReadAll(source, shift, 4096);

            Assert.Equal(Reference(source, shift), converted);
            Assert.Equal(source.Length - shift + 1, converted.Length);
        }

        [Fact]
        public void AnLfAtTheStartOfTheRangeIsBareUnlessACrStandsBeforeIt()
        {
            var source = "a\r\nb\nc"u8.ToArray();
            Assert.Equal("\nb\r\nc"u8.ToArray(), ReadAll(source, 2, 100));
            Assert.Equal("b\r\nc"u8.ToArray(), ReadAll(source, 3, 100));
            Assert.Equal("\r\nc"u8.ToArray(), ReadAll(source, 4, 100));
        }

        private static byte[] ReadAll(byte[] source, int start, int readSize)
        {
            using var stream = new CrlfReadStream(new MemoryStream(source), start, source.Length);
            var output = new MemoryStream();
            var buffer = new byte[readSize];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, n);
            }

            return output.ToArray();
        }

        /// <summary>The rule, byte by byte: an LF gets a CR before it unless one is there (in the source, even before the range).</summary>
        private static byte[] Reference(byte[] source, int start)
        {
            var output = new List<byte>();
            for (var i = start; i < source.Length; i++)
            {
                if (source[i] == '\n' && (i == 0 || source[i - 1] != '\r'))
                {
                    output.Add((byte)'\r');
                }

                output.Add(source[i]);
            }

            return output.ToArray();
        }

        private static byte[] Text(string mix, int length, int seed)
        {
            var random = new Random(seed);
            var text = new byte[length];
            for (var i = 0; i < length; i++)
            {
                text[i] = (byte)('a' + random.Next(26));
            }

            for (var i = random.Next(1, 80); i < length; i += random.Next(1, 80))
            {
                var kind = mix == "mixed" ? random.Next(3) : mix == "crlf" ? 0 : mix == "lf" ? 1 : 2;
                if (kind == 0 && i + 1 < length)
                {
                    text[i] = (byte)'\r';
                    text[++i] = (byte)'\n';
                }
                else
                {
                    text[i] = kind == 2 ? (byte)'\r' : (byte)'\n';
                }
            }

            return text;
        }
    }
}
