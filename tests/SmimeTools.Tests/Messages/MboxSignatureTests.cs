using System;
using System.IO;
using System.Linq;
using System.Text;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Messages
{
    /// <summary>mbox files quote body lines that start with "From "; a signature over such a line is checked with the quoting undone.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class MboxSignatureTests
    {
        private readonly TestPkiFixture _fixture;

        public MboxSignatureTests(TestPkiFixture fixture) => _fixture = fixture;

        [Fact]
        public void UnquotingTakesOneQuoteOffQuotedFromLinesOnly()
        {
            const string quoted = ">From here\r\n>>From there\r\n>Fromage\r\nFrom top\r\n> From spaced\r\nlast >From\r\n>From";
            const string expected = "From here\r\n>From there\r\n>Fromage\r\nFrom top\r\n> From spaced\r\nlast >From\r\n>From";
            using var stream = new MboxUnquotingStream(new MemoryStream(Encoding.ASCII.GetBytes(quoted)));
            using var output = new MemoryStream();
            var buffer = new byte[3];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, n);
            }

            Assert.Equal(expected, Encoding.ASCII.GetString(output.ToArray()));
        }

        [Fact]
        public void SignatureOverAFromLineIsValidInAnMboxFile()
        {
            const string entity = "Content-Type: text/plain\r\n\r\nThe figures.\r\nFrom here on, the rest.\r\n";
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            var options = new SigningOptions { Key = key, Algorithm = SignatureAlgorithm.RsaPkcs1, Digest = DigestAlgorithm.Sha256 };
            var signature = SignedDataBuilder.CreateDetached(SignedDataDigester.Hash(DigestAlgorithm.Sha256, Encoding.ASCII.GetBytes(entity)), options);
            var message = "From: alice@example.com\r\nSubject: figures\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"sig\"\r\n\r\n"
                + "--sig\r\n" + entity + "\r\n--sig\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Convert.ToBase64String(signature, Base64FormattingOptions.InsertLineBreaks) + "\r\n--sig--\r\n";
            var mbox = "From alice@example.com Mon Jan  1 00:00:00 2024\r\n" + message.Replace("\r\nFrom here", "\r\n>From here", StringComparison.Ordinal) + "\r\n";

            var summary = Assert.Single(MessageInspector.InspectMbox(MessageInput.FromText(mbox), Path.GetTempPath(), e => throw e));
            var layer = Assert.Single(summary.Layers);
            Assert.Equal(SignerStatus.Valid, Assert.Single(layer.Signers).Status);
            Assert.Contains("mbox", layer.Note, StringComparison.Ordinal);

            // The same message on its own, with the quoted line, does not match: the quoting is undone only for mbox files.
            var alone = MessageInspector.Inspect(MessageInput.FromText(message.Replace("\r\nFrom here", "\r\n>From here", StringComparison.Ordinal)), Path.GetTempPath());
            Assert.Equal(SignerStatus.DigestMismatch, Assert.Single(Assert.Single(alone.Layers).Signers).Status);
        }
    }
}
