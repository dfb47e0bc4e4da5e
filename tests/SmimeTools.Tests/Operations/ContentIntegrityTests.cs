using System;
using System.IO;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Operations
{
    /// <summary>EFAIL: what vouches for decrypted content, and RequireAuthenticated refusing content nothing vouches for.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class ContentIntegrityTests : IDisposable
    {
        private const string Body = "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: figures\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain\r\n\r\nThe figures are attached.\r\n";

        private readonly TestPkiFixture _fixture;
        private readonly string _folder = Directory.CreateTempSubdirectory("integrity-").FullName;

        public ContentIntegrityTests(TestPkiFixture fixture) => _fixture = fixture;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        [Theory]
        [InlineData(ContentEncryptionAlgorithm.Aes256Gcm, false, false, ContentIntegrity.AuthenticatedEncryption)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, true, false, ContentIntegrity.Signed)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, true, true, ContentIntegrity.Signed)]
        [InlineData(ContentEncryptionAlgorithm.Aes256Cbc, false, false, ContentIntegrity.None)]
        public void TheResultSaysWhatVouchesForTheContent(ContentEncryptionAlgorithm algorithm, bool signed, bool opaque, ContentIntegrity expected)
        {
            using var alice = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var bob = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            var message = Protect(algorithm, bob, signed ? alice : null, opaque);

            foreach (var removeSignature in new[] { false, true })
            {
                var result = MessageUnprotector.Unprotect(MessageInput.FromBytes(message), new UnprotectOptions { Keys = new[] { bob }, RemoveSignature = removeSignature },
                    MessageOutput.ToMemory());
                Assert.Equal(expected, result.Integrity);
            }

            var destination = Path.Combine(_folder, $"{algorithm}-{signed}-{opaque}.eml");
            var strict = new UnprotectOptions { Keys = new[] { bob }, RequireAuthenticated = true };
            if (expected == ContentIntegrity.None)
            {
                var refused = Assert.ThrowsAny<SmimeException>(() => MessageUnprotector.Unprotect(MessageInput.FromBytes(message), strict, MessageOutput.ToFile(destination, overwrite: false)));
                Assert.Equal(ErrorIds.UnauthenticatedContent, refused.ErrorId);
                Assert.False(File.Exists(destination));
                Assert.Empty(Directory.GetFiles(_folder));
            }
            else
            {
                Assert.Equal(expected, MessageUnprotector.Unprotect(MessageInput.FromBytes(message), strict, MessageOutput.ToFile(destination, overwrite: false)).Integrity);
                Assert.True(File.Exists(destination));
            }

            var summary = MessageInspector.Inspect(MessageInput.FromBytes(message), _folder);
            Assert.Equal(algorithm == ContentEncryptionAlgorithm.Aes256Gcm ? ContentIntegrity.AuthenticatedEncryption : ContentIntegrity.Unknown, summary.Integrity);
        }

        [Fact]
        public void ASignatureThatDoesNotVerifyAuthenticatesNothing()
        {
            using var alice = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            using var bob = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            var signed = MessageProtector.Protect(MessageInput.FromText(Body), Options(null, alice, false, ContentEncryptionAlgorithm.Aes256Cbc), MessageOutput.ToMemory()).Content!;
            var tampered = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(signed).Replace("figures are", "figures were", StringComparison.Ordinal));
            Assert.NotEqual(signed.Length, tampered.Length);
            Assert.Equal(ContentIntegrity.Signed, MessageInspector.Inspect(MessageInput.FromBytes(signed), _folder).Integrity);
            Assert.Equal(ContentIntegrity.None, MessageInspector.Inspect(MessageInput.FromBytes(tampered), _folder).Integrity);

            var message = MessageProtector.Protect(MessageInput.FromBytes(tampered), Options(bob, null, false, ContentEncryptionAlgorithm.Aes256Cbc), MessageOutput.ToMemory()).Content!;
            foreach (var removeSignature in new[] { false, true })
            {
                var options = new UnprotectOptions { Keys = new[] { bob }, RemoveSignature = removeSignature };
                Assert.Equal(ContentIntegrity.None, MessageUnprotector.Unprotect(MessageInput.FromBytes(message), options, MessageOutput.ToMemory()).Integrity);
                options.RequireAuthenticated = true;
                var refused = Assert.ThrowsAny<SmimeException>(() => MessageUnprotector.Unprotect(MessageInput.FromBytes(message), options, MessageOutput.ToMemory()));
                Assert.Equal(ErrorIds.UnauthenticatedContent, refused.ErrorId);
            }
        }

        private byte[] Protect(ContentEncryptionAlgorithm algorithm, PrivateKey recipient, PrivateKey? signer, bool opaque) =>
            MessageProtector.Protect(MessageInput.FromText(Body), Options(recipient, signer, opaque, algorithm), MessageOutput.ToMemory()).Content!;

        private static ProtectOptions Options(PrivateKey? recipient, PrivateKey? signer, bool opaque, ContentEncryptionAlgorithm algorithm) => new()
        {
            Recipients = recipient == null ? Array.Empty<System.Security.Cryptography.X509Certificates.X509Certificate2>() : new[] { recipient.Certificate },
            SigningKey = signer,
            SignatureCertificates = signer == null ? Array.Empty<System.Security.Cryptography.X509Certificates.X509Certificate2>() : new[] { signer.Certificate },
            Opaque = opaque,
            ContentEncryption = algorithm,
        };
    }
}
