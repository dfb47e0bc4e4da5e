using System;
using System.IO;
using System.Linq;
using System.Text;
using SmimeTools.Engine.Messages;
using Xunit;

namespace SmimeTools.Tests.Messages
{
    /// <summary>The base64 streams agree with .NET's Convert for every length, line layout and read size, and read MIME's lenient forms.</summary>
    public sealed class Base64StreamTests
    {
        [Theory]
        [InlineData(0, 76, "\r\n", 4096)]
        [InlineData(1, 76, "\r\n", 1)]
        [InlineData(2, 64, "\n", 7)]
        [InlineData(3, 76, "\r\n", 100)]
        [InlineData(57, 76, "\r\n", 65536)]
        [InlineData(49_151, 76, "\r\n", 65536)]
        [InlineData(49_152, 72, "\n", 3)]
        [InlineData(200_003, 76, "\r\n", 65536)]
        [InlineData(200_003, 1000, "\r\n", 4097)]
        [InlineData(1_000_001, 76, "\n", 30_000)]
        public void DecodesWhatConvertEncodes(int length, int lineLength, string newline, int readSize)
        {
            var data = Data(length);
            var text = Lines(Convert.ToBase64String(data), lineLength, newline);
            Assert.Equal(data, Decode(text, readSize));
        }

        [Fact]
        public void IgnoresCharactersOutsideTheAlphabet()
        {
            var data = Data(1000);
            var text = Lines(Convert.ToBase64String(data), 76, "\r\n").Replace("A", "A \t!", StringComparison.Ordinal);
            Assert.Equal(data, Decode(text, 333));
        }

        [Fact]
        public void ReadsConcatenatedBase64WithPaddingInTheMiddle()
        {
            var first = Data(100);
            var second = Data(50).Select(b => (byte)(b ^ 0x5a)).ToArray();
            var third = Data(1);
            var text = Convert.ToBase64String(first) + "\r\n" + Convert.ToBase64String(second) + "\r\n" + Convert.ToBase64String(third) + "\r\n";
            Assert.Equal(first.Concat(second).Concat(third).ToArray(), Decode(text, 10));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(56)]
        [InlineData(57)]
        [InlineData(58)]
        [InlineData(58_369)]
        [InlineData(300_000)]
        public void EncodesLinesThatConvertDecodes(int length)
        {
            var data = Data(length);
            using var output = new MemoryStream();
            using (var encoder = new Base64EncodingStream(output))
            {
                // Uneven writes and a flush in the middle must not change the text.
                var at = 0;
                var step = 1;
                while (at < data.Length)
                {
                    var n = Math.Min(step, data.Length - at);
                    encoder.Write(data, at, n);
                    at += n;
                    step = step * 3 + 1;
                    if (at > data.Length / 2)
                    {
                        encoder.Flush();
                    }
                }
            }

            var text = Encoding.ASCII.GetString(output.ToArray());
            if (length == 0)
            {
                Assert.Equal(string.Empty, text);
                return;
            }

            var lines = text.Split("\r\n");
            Assert.Equal(string.Empty, lines[^1]);
            Assert.All(lines[..^1], l => Assert.InRange(l.Length, 1, 76));
            Assert.All(lines[..^2], l => Assert.Equal(76, l.Length));
            Assert.Equal(data, Convert.FromBase64String(text));
        }

        private static byte[] Data(int length)
        {
            var data = new byte[length];
            new Random(length).NextBytes(data);
            return data;
        }

        private static string Lines(string base64, int lineLength, string newline)
        {
            var builder = new StringBuilder();
            for (var i = 0; i < base64.Length; i += lineLength)
            {
                builder.Append(base64, i, Math.Min(lineLength, base64.Length - i)).Append(newline);
            }

            return builder.ToString();
        }

        private static byte[] Decode(string text, int readSize)
        {
            using var decoder = new Base64DecodingStream(new MemoryStream(Encoding.ASCII.GetBytes(text)));
            using var output = new MemoryStream();
            var buffer = new byte[readSize];
            int n;
            while ((n = decoder.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, n);
            }

            return output.ToArray();
        }
    }
}
