using System;
using System.IO;
using System.Linq;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using Xunit;

namespace SmimeTools.Tests.Messages
{
    /// <summary>MessageInspector on what Pester cannot make easily: compressed layers, bare CMS files, nesting and damage.</summary>
    public sealed class MessageInspectorTests
    {
        private const string Inner =
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHello.\r\n" +
            "--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"data.csv\"\r\n\r\na,b\r\n--b--\r\n";

        private static byte[] Compress(byte[] content)
        {
            var output = new MemoryStream();
            CompressedDataWriter.Write(new MemoryStream(content), output);
            return output.ToArray();
        }

        private static string Wrap(byte[] cms, string subject = "Compressed") =>
            $"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            Convert.ToBase64String(cms, Base64FormattingOptions.InsertLineBreaks) + "\r\n";

        private static MessageSummary Inspect(string text) =>
            MessageInspector.Inspect(MessageInput.FromText(text), Path.GetTempPath());

        [Fact]
        public void LooksInsideCompressedLayers()
        {
            var summary = Inspect(Wrap(Compress(Encoding.ASCII.GetBytes(Inner))));
            var layer = Assert.Single(summary.Layers);
            Assert.Equal(LayerKind.Compressed, layer.Kind);
            Assert.Equal("multipart/mixed", summary.InnerContentType);
            Assert.Equal(new[] { "data.csv" }, summary.Attachments);
            Assert.Equal("Compressed", summary.Subject);
            Assert.Equal("Compressed", summary.Protection);
            Assert.False(summary.IsEncrypted);
        }

        [Fact]
        public void ReadsBareCmsFiles()
        {
            var file = Path.Combine(Path.GetTempPath(), "inspector-" + Guid.NewGuid().ToString("N") + ".p7m");
            try
            {
                File.WriteAllBytes(file, Compress(Encoding.ASCII.GetBytes(Inner)));
                var summary = MessageInspector.Inspect(MessageInput.FromFile(file), Path.GetTempPath());
                Assert.Equal(LayerKind.Compressed, Assert.Single(summary.Layers).Kind);
                Assert.Equal(file, summary.Path);
                Assert.Equal(new FileInfo(file).Length, summary.Size);
            }
            finally
            {
                File.Delete(file);
            }
        }

        [Fact]
        public void RefusesLayersNestedTooDeep()
        {
            var content = Encoding.ASCII.GetBytes(Inner);
            for (var i = 0; i <= MessageInspector.MaximumDepth; i++)
            {
                content = Encoding.ASCII.GetBytes(Wrap(Compress(content)));
            }

            var e = Assert.Throws<SmimeException>(() => Inspect(Encoding.ASCII.GetString(content)));
            Assert.Equal(ErrorIds.NestingTooDeep, e.ErrorId);
        }

        [Theory]
        [InlineData("MIIBAAAA")]
        [InlineData("AAAA")]
        [InlineData("")]
        public void ReportsDamagedCmsAsMalformed(string base64)
        {
            var text = "From: a@example.com\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64 + "\r\n";
            var e = Assert.Throws<SmimeException>(() => Inspect(text));
            Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
        }

        [Fact]
        public void ReadsMboxMessagesInTurnAndReportsBadOnes()
        {
            var good = "From: alice@example.com\nSubject: One\n\nHello.\n";
            var bad = "From: alice@example.com\nSubject: Two\nContent-Type: application/pkcs7-mime; smime-type=signed-data\nContent-Transfer-Encoding: base64\n\nAAAA\n";
            var mbox = $"From a@example.com Mon Jan  1 00:00:00 2024\n{good}\nFrom a@example.com Mon Jan  1 00:00:00 2024\n{bad}\n" +
                $"From a@example.com Mon Jan  1 00:00:00 2024\n{good.Replace("One", "Three", StringComparison.Ordinal)}\n";
            var problems = new System.Collections.Generic.List<SmimeException>();
            var summaries = MessageInspector.InspectMbox(MessageInput.FromText(mbox), Path.GetTempPath(), problems.Add).ToList();
            Assert.Equal(new[] { "One", "Three" }, summaries.Select(s => s.Subject));
            Assert.Equal(new int?[] { 1, 3 }, summaries.Select(s => s.Index));
            Assert.Equal(ErrorIds.MalformedMessage, Assert.Single(problems).ErrorId);
        }
    }
}
