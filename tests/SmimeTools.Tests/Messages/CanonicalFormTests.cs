using System;
using System.IO;
using System.Linq;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Messages;
using Xunit;

namespace SmimeTools.Tests.Messages
{
    /// <summary>
    /// The canonical form copied from the source gives the bytes MimeKit writes from the parsed tree, for LF and CRLF
    /// files, nested multiparts, preambles and epilogues; a part that must be re-encoded for 7-bit still is.
    /// </summary>
    public sealed class CanonicalFormTests
    {
        private const string Mixed = "From: a@example.com\nTo: b@example.com\nSubject: s\nMIME-Version: 1.0\n"
            + "Content-Type: multipart/mixed; boundary=\"outer\"\n\nThis is the preamble.\n--outer\n"
            + "Content-Type: multipart/alternative; boundary=\"inner\"\n\n--inner\nContent-Type: text/plain; charset=us-ascii\n\nHello,\nBob.\n"
            + "--inner\nContent-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n<p>Hello=2C Bob.</p>\n--inner--\n"
            + "--outer\nContent-Type: application/octet-stream; name=\"a.bin\"\nContent-Disposition: attachment; filename=\"a.bin\"\n"
            + "Content-Transfer-Encoding: base64\n\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n--outer--\nThe epilogue.\n";

        [Theory]
        [InlineData("\n")]
        [InlineData("\r\n")]
        public void CopiedBodyIsWhatMimeKitWrites(string newline)
        {
            var text = Mixed.Replace("\n", newline, StringComparison.Ordinal);
            var (fast, copied) = Write(text, withOffsets: true);
            var (slow, _) = Write(text, withOffsets: false);
            Assert.True(copied);
            Assert.Equal(Encoding.ASCII.GetString(slow), Encoding.ASCII.GetString(fast));
            Assert.DoesNotContain("\n", Encoding.ASCII.GetString(fast).Replace("\r\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }

        [Fact]
        public void PartNeedingSevenBitEncodingIsStillReencoded()
        {
            var text = "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe\r\n";
            var (written, copied) = Write(text, withOffsets: true);
            Assert.False(copied);
            Assert.All(written, b => Assert.True(b < 0x80));
            Assert.DoesNotContain("8bit", Encoding.ASCII.GetString(written), StringComparison.OrdinalIgnoreCase);
        }

        private static (byte[] Bytes, bool Copied) Write(string text, bool withOffsets)
        {
            var source = new MemoryStream(Encoding.UTF8.GetBytes(text));
            var offsets = new EntityOffsets();
            var message = MessageParsing.ParseMessage(source, "test", InputLimits.Default, default, offsets);
            var output = new MemoryStream();
            var copied = CanonicalForm.Write(message.Body!, output, default, withOffsets ? offsets : null);
            return (output.ToArray(), copied);
        }
    }
}
