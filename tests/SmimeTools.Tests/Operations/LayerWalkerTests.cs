using System;
using System.IO;
using System.Linq;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Operations
{
    /// <summary>The three use cases on one walker: the same input is read the same way by each.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class LayerWalkerTests
    {
        private readonly TestPkiFixture _fixture;

        public LayerWalkerTests(TestPkiFixture fixture) => _fixture = fixture;

        private string Signed(string from, string subject)
        {
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var body = $"From: {from}\r\nTo: bob@example.com\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nSigned words.\r\n";
            var result = MessageProtector.Protect(MessageInput.FromText(body), new ProtectOptions { SigningKey = key, SignatureCertificates = new[] { key.Certificate } },
                MessageOutput.ToMemory());
            return Encoding.ASCII.GetString(result.Content!);
        }

        private static string Forward(string headers, string attached) =>
            headers + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\nSee the attached.\r\n" +
            "--outer\r\nContent-Type: message/rfc822\r\n\r\n" + attached + "\r\n--outer--\r\n";

        [Fact]
        public void AnAttachedMessagesSignatureIsItsOwnAndCoversOnlyItsParts()
        {
            var message = Forward("From: mallory@example.com\r\nTo: bob@example.com\r\nSubject: Fwd\r\n", Signed("alice@example.com", "inner"));

            var result = Assert.Single(SignatureVerifier.Verify(MessageInput.FromText(message), new SignatureVerifyOptions()));

            Assert.Equal("2", result.AttachedMessage);
            Assert.Contains("attached message 2", result.SignatureKind, StringComparison.Ordinal);
            Assert.Equal(new[] { "alice@example.com" }, result.MessageAddresses);
            Assert.DoesNotContain(result.Problems, p => p.Code == SignatureStatus.EmailMismatch);
            Assert.DoesNotContain(result.CoveredParts, p => p.StartsWith("1 ", StringComparison.Ordinal));
            Assert.Contains(result.UncoveredParts, p => p.StartsWith("1 ", StringComparison.Ordinal));
            Assert.Contains(result.CoveredParts, p => p.StartsWith("2.1.1 ", StringComparison.Ordinal));
        }

        [Fact]
        public void AnOuterSignatureCoversTheAttachedMessageAndBothAreReported()
        {
            var inner = Signed("alice@example.com", "inner");
            var outer = Forward("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Fwd\r\n", inner);
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var signed = MessageProtector.Protect(MessageInput.FromText(outer), new ProtectOptions { SigningKey = key, SignatureCertificates = new[] { key.Certificate } },
                MessageOutput.ToMemory());

            var results = SignatureVerifier.Verify(MessageInput.FromBytes(signed.Content!), new SignatureVerifyOptions());

            Assert.Equal(2, results.Count);
            var own = Assert.Single(results, r => r.AttachedMessage == null);
            var attached = Assert.Single(results, r => r.AttachedMessage != null);
            Assert.DoesNotContain(own.UncoveredParts, p => !p.EndsWith("(the signature)", StringComparison.Ordinal));
            Assert.Contains(own.CoveredParts, p => p.StartsWith("1.2.1.1 ", StringComparison.Ordinal));
            Assert.Equal("1.2", attached.AttachedMessage);
        }
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
            Assert.Equal(ErrorIds.NestingTooDeep, Assert.Throws<SmimeException>(() => Unprotect(message)).ErrorId);
            Assert.Equal(ErrorIds.NestingTooDeep, Assert.Throws<SmimeException>(() => Inspect(message)).ErrorId);
            Assert.Equal(ErrorIds.NestingTooDeep, Assert.Throws<SmimeException>(() => Verify(message)).ErrorId);

            // The limit names the way out, and raising it opens the message.
            var raised = new InputLimits { MaximumNestingDepth = LayerWalker.DefaultMaximumDepth + 1 };
            Assert.Equal(LayerWalker.DefaultMaximumDepth + 1,
                MessageUnprotector.Unprotect(MessageInput.FromBytes(message), new UnprotectOptions { Limits = raised }, MessageOutput.ToMemory()).Layers.Count);
            Assert.Equal(LayerWalker.DefaultMaximumDepth + 1, MessageInspector.Inspect(MessageInput.FromBytes(message), Path.GetTempPath(), limits: raised).Layers.Count);
            Assert.Empty(SignatureVerifier.Verify(MessageInput.FromBytes(message), new SignatureVerifyOptions { Limits = raised }));
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
