using System;
using System.IO;
using System.Linq;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using Xunit;

namespace SmimeTools.Tests.Operations
{
    /// <summary>The three use cases on one walker: the same input is read the same way by each.</summary>
    public sealed class LayerWalkerTests
    {
        private const string Inner = "Content-Type: text/plain\r\n\r\nHello.\r\n";

        private static byte[] Nest(int layers)
        {
            var content = Encoding.ASCII.GetBytes(Inner);
            for (var i = 0; i < layers; i++)
            {
                var output = new MemoryStream();
                CompressedDataWriter.Write(new MemoryStream(content), output);
                content = Encoding.ASCII.GetBytes(
                    "From: alice@example.com\r\nMIME-Version: 1.0\r\n" +
                    "Content-Type: application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                    Convert.ToBase64String(output.ToArray(), Base64FormattingOptions.InsertLineBreaks) + "\r\n");
            }

            return content;
        }

        private static UnprotectResult Unprotect(byte[] message) =>
            MessageUnprotector.Unprotect(MessageInput.FromBytes(message), new UnprotectOptions(), MessageOutput.ToMemory());

        private static MessageSummary Inspect(byte[] message) => MessageInspector.Inspect(MessageInput.FromBytes(message), Path.GetTempPath());

        private static SignatureResult[] Verify(byte[] message) =>
            SignatureVerifier.Verify(MessageInput.FromBytes(message), new SignatureVerifyOptions()).ToArray();

        [Fact]
        public void EveryUseCaseGoesAsDeepAsTheLimit()
        {
            var message = Nest(LayerWalker.DefaultMaximumDepth);
            Assert.Equal(LayerWalker.DefaultMaximumDepth, Unprotect(message).Layers.Count);
            Assert.Equal(LayerWalker.DefaultMaximumDepth, Inspect(message).Layers.Count);
            Assert.Empty(Verify(message));
        }

        [Fact]
        public void EveryUseCaseRefusesOneLayerMore()
        {
            var message = Nest(LayerWalker.DefaultMaximumDepth + 1);
            Assert.Equal(ErrorIds.MalformedMessage, Assert.Throws<SmimeException>(() => Unprotect(message)).ErrorId);
            Assert.Equal(ErrorIds.MalformedMessage, Assert.Throws<SmimeException>(() => Inspect(message)).ErrorId);
            Assert.Equal(ErrorIds.MalformedMessage, Assert.Throws<SmimeException>(() => Verify(message)).ErrorId);
        }

        [Fact]
        public void UnprotectOpensABareCmsFileAsEveryUseCaseDoes()
        {
            var content = Encoding.ASCII.GetBytes(Inner);
            var output = new MemoryStream();
            CompressedDataWriter.Write(new MemoryStream(content), output);
            var bare = output.ToArray();

            var result = Unprotect(bare);
            Assert.Equal(LayerKind.Compressed, Assert.Single(result.Layers).Kind);
            Assert.Equal(content, result.Content);
            Assert.Equal("text/plain", result.ContentType);
            Assert.Equal(LayerKind.Compressed, Assert.Single(Inspect(bare).Layers).Kind);
            Assert.Empty(Verify(bare));
        }

        [Fact]
        public void NoUseCaseTakesDerThatIsNotALayerKind()
        {
            // A CMS Data ContentInfo: DER, but nothing to open.
            var data = new byte[] { 0x30, 0x0F, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01, 0xA0, 0x02, 0x04, 0x00 };
            Assert.Equal(ErrorIds.MalformedMessage, Assert.Throws<SmimeException>(() => Unprotect(data)).ErrorId);
            Assert.Equal(ErrorIds.MalformedMessage, Assert.Throws<SmimeException>(() => Inspect(data)).ErrorId);
            Assert.Equal(ErrorIds.MalformedMessage, Assert.Throws<SmimeException>(() => Verify(data)).ErrorId);
        }
    }
}
