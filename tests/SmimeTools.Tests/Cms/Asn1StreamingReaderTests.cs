using System.IO;
using System.Linq;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using Xunit;

namespace SmimeTools.Tests.Cms
{
    /// <summary>The streaming BER reader's bound on nesting: deep input is damaged data, never a stack overflow.</summary>
    public sealed class Asn1StreamingReaderTests
    {
        /// <summary><paramref name="levels"/> indefinite-length SEQUENCEs, each closed by its end-of-contents octets.</summary>
        private static byte[] Nested(int levels) =>
            Enumerable.Repeat(new byte[] { 0x30, 0x80 }, levels).SelectMany(b => b)
                .Concat(Enumerable.Repeat(new byte[] { 0x00, 0x00 }, levels).SelectMany(b => b)).ToArray();

        private static void SkipFirst(byte[] input)
        {
            var reader = new Asn1StreamingReader(new MemoryStream(input), "The test input");
            reader.Skip(reader.ReadHeader());
        }

        [Fact]
        public void NestingUpToTheBoundIsSkippedAndDeeperIsMalformed()
        {
            SkipFirst(Nested(Asn1StreamingReader.MaxDepth));

            var e = Assert.Throws<SmimeException>(() => SkipFirst(Nested(Asn1StreamingReader.MaxDepth + 1)));
            Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
            Assert.Contains($"nest more than {Asn1StreamingReader.MaxDepth} levels deep", e.Message, System.StringComparison.Ordinal);
        }

        [Fact]
        public void AMillionLevelsAreRefusedOnASmallStack()
        {
            // 4 MB of nesting on a 256 KiB thread: the bound, not the stack, ends it.
            SmimeException? caught = null;
            var thread = new System.Threading.Thread(() => caught = Record.Exception(() => SkipFirst(Nested(1_000_000))) as SmimeException, 256 * 1024);
            thread.Start();
            thread.Join();
            Assert.Equal(ErrorIds.MalformedMessage, caught?.ErrorId);
        }
    }
}
