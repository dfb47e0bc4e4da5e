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
    /// A message parsed on a second thread while its body is copied gives the bytes of one parsed first, or, where the
    /// parse finds what the copy cannot stand for, refuses the copy; errors of the parse are the same either way.
    /// </summary>
    public sealed class MessageToProtectTests : IDisposable
    {
        private static readonly string Attachment = string.Concat(Enumerable.Range(0, 2000).Select(i => Convert.ToBase64String(BitConverter.GetBytes(i * 7919L)) + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"));

        private static readonly string Mixed = "From: a@example.com\nTo: b@example.com\nSubject: s\nMIME-Version: 1.0\n"
            + "Content-Type: multipart/mixed; boundary=\"outer\"\n\nThis is the preamble.\n--outer\n"
            + "Content-Type: multipart/alternative; boundary=\"inner\"\n\n--inner\nContent-Type: text/plain; charset=us-ascii\n\nHello,\nBob.\n"
            + "--inner\nContent-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n<p>Hello=2C Bob.</p>\n--inner--\n"
            + "--outer\nContent-Type: application/octet-stream; name=\"a.bin\"\nContent-Disposition: attachment; filename=\"a.bin\"\n"
            + "Content-Transfer-Encoding: base64\n\n" + Attachment + "--outer--\nThe epilogue.\n";

        private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("smimetools-alongside-");

        public void Dispose() => _folder.Delete(recursive: true);

        [Theory]
        [InlineData("\n")]
        [InlineData("\r\n")]
        public void ParsedAlongsideIsWhatParsedFirstGives(string newline)
        {
            var input = File(Mixed.Replace("\n", newline, StringComparison.Ordinal));
            var first = Write(input, alongside: false, out var firstSubject);
            var alongside = Write(input, alongside: true, out var alongsideSubject);
            Assert.Equal(Encoding.ASCII.GetString(first), Encoding.ASCII.GetString(alongside));
            Assert.Equal("s", alongsideSubject);
            Assert.Equal(firstSubject, alongsideSubject);
        }

        [Fact]
        public void OneMessageOfAnMboxFileIsCopiedFromItsOwnRange()
        {
            var message = Mixed.Replace("\n", "\r\n", StringComparison.Ordinal);
            var before = "From x@example.com Mon Dec  7 10:00:00 2026\r\nFrom: x@example.com\r\n\r\nfirst\r\n\r\nFrom y@example.com Mon Dec  7 10:00:00 2026\r\n";
            var path = Path.Combine(_folder.FullName, "box");
            System.IO.File.WriteAllText(path, before + message + "\r\nFrom z@example.com Mon Dec  7 10:00:00 2026\r\nFrom: z@example.com\r\n\r\nlast\r\n");
            var input = MessageInput.FromFileRange(path, before.Length, message.Length);
            Assert.Equal(Encoding.ASCII.GetString(Write(File(message), alongside: false, out _)), Encoding.ASCII.GetString(Write(input, alongside: true, out _)));
        }

        [Theory]
        [InlineData("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe\r\n")]
        [InlineData("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe\r\n--b--\r\n")]
        public void APartToReencodeRefusesTheCopy(string content)
        {
            var input = File("From: a@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n" + content);
            Assert.Throws<MessageToProtect.CopyRefusedException>(() => Write(input, alongside: true, out _));
            Assert.All(Write(input, alongside: false, out _), b => Assert.True(b < 0x80));
        }

        [Theory]
        [InlineData("From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\nnot a header\r\nmore\r\n\r\nbody\r\n")]
        [InlineData("From: a@example.com\nSubject: folded\n\tover two lines\nContent-Type: text/plain\n\n\nbody after a blank line\n")]
        [InlineData("From: a@example.com\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n")]
        public void OddHeaderBlocksAndSinglePartsAreCopiedAsParsedFirst(string text)
        {
            var input = File(text);
            Assert.Equal(Encoding.ASCII.GetString(Write(input, alongside: false, out _)), Encoding.ASCII.GetString(Write(input, alongside: true, out _)));
        }

        [Fact]
        public void TheParseLimitsFailTheCopyWithTheirOwnErrors()
        {
            var flood = new StringBuilder("From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
            for (var i = 0; i < 200; i++)
            {
                flood.Append("--b\r\nContent-Type: text/plain\r\n\r\npart\r\n");
            }

            var input = File(flood.Append("--b--\r\n").ToString());
            var limits = InputLimits.Default with { MaximumPartCount = 50 };
            foreach (var alongside in new[] { false, true })
            {
                Assert.Equal(ErrorIds.TooManyParts, Assert.Throws<SmimeException>(() => Write(input, alongside, out _, limits)).ErrorId);
            }

            var nested = File("From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n"
                + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n"
                + "Content-Type: text/plain\r\n\r\ndeep\r\n--c--\r\n--b--\r\n--a--\r\n");
            foreach (var alongside in new[] { false, true })
            {
                Assert.Equal(ErrorIds.NestingTooDeep,
                    Assert.Throws<SmimeException>(() => Write(nested, alongside, out _, InputLimits.Default with { MaximumNestingDepth = 1 })).ErrorId);
            }
        }

        [Fact]
        public void TheMessageIsKnownOnlyOnceItsBodyIsWritten()
        {
            using var message = MessageToProtect.Open(File(Mixed), InputLimits.Default, alongside: true, default);
            Assert.Throws<InvalidOperationException>(() => message.Message);
            message.WriteOuterHeaders(Stream.Null, default);
            message.WriteBody(Stream.Null, default);
            Assert.Equal("s", message.Message.Subject);
        }

        [Fact]
        public void OnlyLargeFilesReadTwiceAreParsedAlongside()
        {
            var input = File(Mixed);
            Assert.False(MessageToProtect.ParseAlongside(input));
            Assert.Equal(Environment.ProcessorCount > 1, MessageToProtect.ParseAlongside(input, from: 1));
            Assert.False(MessageToProtect.ParseAlongside(MessageInput.FromText(Mixed), from: 1));
        }

        private MessageInput File(string text)
        {
            var path = Path.Combine(_folder.FullName, Guid.NewGuid().ToString("N") + ".eml");
            System.IO.File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
            return MessageInput.FromFile(path);
        }

        private static byte[] Write(MessageInput input, bool alongside, out string subject, InputLimits? limits = null)
        {
            using var message = MessageToProtect.Open(input, limits ?? InputLimits.Default, alongside, default);
            Assert.Equal(alongside, message.ParsedAlongside);
            var output = new MemoryStream();
            message.WriteOuterHeaders(output, default);
            message.WriteBody(output, default);
            subject = message.Message.Subject ?? string.Empty;
            return output.ToArray();
        }
    }
}
