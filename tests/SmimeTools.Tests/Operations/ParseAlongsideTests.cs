using System;
using System.IO;
using System.Linq;
using System.Text;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Operations
{
    /// <summary>
    /// Messages signed and encrypted while they are parsed on a second thread (as large files are) verify and decrypt to
    /// the content of messages parsed first; a part that must be re-encoded makes the engine write the message again,
    /// leaving nothing of the first try behind.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class ParseAlongsideTests : IDisposable
    {
        private const string Mixed = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: alongside\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nFigures attached.\r\n"
            + "--b\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";

        private const string EightBit = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: alongside\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "Gr\u00fc\u00dfe aus K\u00f6ln.\r\n--b\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";

        private readonly TestPkiFixture _fixture;
        private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("smimetools-alongside-");

        public ParseAlongsideTests(TestPkiFixture fixture) => _fixture = fixture;

        public void Dispose() => _folder.Delete(recursive: true);

        [Theory]
        [InlineData(Mixed, false)]
        [InlineData(Mixed, true)]
        [InlineData(EightBit, false)]
        [InlineData(EightBit, true)]
        public void SignedAlongsideVerifiesAndEncryptedDecryptsToWhatParsedFirstGives(string head, bool opaque)
        {
            var input = Input(head);
            using var alice = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var bob = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            var first = Protect(input, alice, bob, opaque, alongsideFrom: long.MaxValue, "first.eml");
            var alongside = Protect(input, alice, bob, opaque, alongsideFrom: 0, "alongside.eml");

            var signed = new[] { first, alongside }.Select(path => Assert.Single(SignatureVerifier.Verify(MessageInput.FromFile(path),
                new SignatureVerifyOptions { Validation = _fixture.OfflineValidation(), Keys = new[] { bob } }))).ToArray();
            Assert.All(signed, result => Assert.True(result.IsValid, result.ToString()));
            var contents = new[] { first, alongside }.Select(path => Encoding.UTF8.GetString(MessageUnprotector.Unprotect(MessageInput.FromFile(path),
                new UnprotectOptions { Keys = new[] { bob }, RemoveSignature = true }, MessageOutput.ToMemory()).Content!)).ToArray();
            Assert.Contains("Content-Transfer-Encoding: base64", contents[0], StringComparison.Ordinal);
            Assert.DoesNotContain("pkcs7", contents[0], StringComparison.OrdinalIgnoreCase);
            Assert.Equal(contents[0], contents[1]);
            Assert.Equal(new[] { "alongside.eml", "first.eml", "input.eml" }, _folder.GetFiles("*", new EnumerationOptions { AttributesToSkip = 0 }).Select(f => f.Name).Order());
        }

        private MessageInput Input(string head)
        {
            var body = new StringBuilder(head);
            var random = new Random(7);
            var chunk = new byte[57];
            for (var i = 0; i < 500; i++)
            {
                random.NextBytes(chunk);
                body.Append(Convert.ToBase64String(chunk)).Append("\r\n");
            }

            var path = Path.Combine(_folder.FullName, "input.eml");
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(body.Append("--b--\r\n").ToString()));
            return MessageInput.FromFile(path);
        }

        private string Protect(MessageInput input, PrivateKey signer, PrivateKey recipient, bool opaque, long alongsideFrom, string name)
        {
            var path = Path.Combine(_folder.FullName, name);
            var result = MessageProtector.Protect(input, new ProtectOptions
            {
                SigningKey = signer,
                SignatureCertificates = new[] { signer.Certificate },
                Recipients = new[] { recipient.Certificate },
                ContentEncryption = ContentEncryptionAlgorithm.Aes256Gcm,
                Opaque = opaque,
                ParseAlongsideFrom = alongsideFrom,
            }, MessageOutput.ToFile(path, overwrite: false));
            Assert.Equal("alongside", result.Subject);
            return path;
        }
    }
}
