using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Policy;
using SmimeTools.Engine.Trust;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Messages
{
    /// <summary>The signed bytes are taken from the message as it is: line ends, footers inside and outside the signature.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class SignatureVerifierTests
    {
        private const string Entity = "Content-Type: text/plain; charset=us-ascii\r\n\r\nHello Bob,\r\nthe figures are attached.\r\n";

        private readonly TestPkiFixture _fixture;

        public SignatureVerifierTests(TestPkiFixture fixture) => _fixture = fixture;

        [Theory]
        [InlineData("\r\n")]
        [InlineData("\n")]
        public void SignedPartVerifiesWithEitherLineEnd(string newline)
        {
            var result = Assert.Single(Verify(Message(Entity, newline, footerInside: null, footerPart: false)));
            Assert.True(result.IsValid, string.Join("; ", result.Problems));
            Assert.Equal(SignatureStatus.Valid, result.Status);
            Assert.Equal("alice@example.com", result.SignerEmail);
            Assert.Equal(3, result.Chain.Count);
            Assert.Contains(result.CoveredParts, p => p.Contains("text/plain", StringComparison.Ordinal));
        }

        [Fact]
        public void FooterInsideTheSignedPartIsExplained()
        {
            var result = Assert.Single(Verify(Message(Entity, "\r\n", footerInside: "-- \r\nThe list\r\n", footerPart: false)));
            Assert.False(result.IsValid);
            Assert.Equal(SignatureStatus.ContentModified, result.Status);
            Assert.Contains("footer", result.Problems[0].Message, StringComparison.Ordinal);
        }

        [Fact]
        public void FooterPartOutsideTheSignatureIsReportedAsUncovered()
        {
            var result = Assert.Single(Verify(Message(Entity, "\r\n", footerInside: null, footerPart: true)));
            Assert.True(result.IsValid, string.Join("; ", result.Problems));
            Assert.Single(result.UncoveredParts);
            Assert.StartsWith("2 text/plain", result.UncoveredParts[0], StringComparison.Ordinal);
        }

        [Fact]
        public void ChangedByteIsContentModified()
        {
            var message = Message(Entity, "\r\n", footerInside: null, footerPart: false).Replace("figures", "Figures", StringComparison.Ordinal);
            Assert.Equal(SignatureStatus.ContentModified, Assert.Single(Verify(message)).Status);
        }

        private SignatureResult[] Verify(string message)
        {
            var validation = new ValidationOptions { RevocationMode = RevocationMode.None };
            validation.TrustedRoots.Add(X509CertificateLoader.LoadCertificate(_fixture.Pki.Root.Certificate.GetEncoded()));
            validation.ExtraCertificates.Add(X509CertificateLoader.LoadCertificate(_fixture.Pki.Intermediate.Certificate.GetEncoded()));
            return SignatureVerifier.Verify(MessageInput.FromBytes(Encoding.ASCII.GetBytes(message)), new SignatureVerifyOptions { Validation = validation }).ToArray();
        }

        /// <summary>A multipart/signed message over <paramref name="entity"/> written with <paramref name="newline"/>, optionally damaged.</summary>
        private string Message(string entity, string newline, string? footerInside, bool footerPart)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            var options = new SigningOptions { Key = key, Algorithm = SignatureAlgorithm.RsaPkcs1, Digest = DigestAlgorithm.Sha256 };
            var signature = SignedDataBuilder.CreateDetached(SignedDataDigester.Hash(DigestAlgorithm.Sha256, Encoding.ASCII.GetBytes(entity)), options);
            var signed = "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"sig\"\r\n\r\n"
                + "--sig\r\n" + entity + footerInside + "\r\n--sig\r\n"
                + "Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Convert.ToBase64String(signature, Base64FormattingOptions.InsertLineBreaks) + "\r\n--sig--\r\n";
            var body = footerPart
                ? "Content-Type: multipart/mixed; boundary=\"list\"\r\n\r\n--list\r\n" + signed + "\r\n--list\r\nContent-Type: text/plain\r\n\r\nTo leave the list, write to list@example.com\r\n--list--\r\n"
                : signed;
            var message = "From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: figures\r\nMIME-Version: 1.0\r\n" + body;
            return message.Replace("\r\n", newline, StringComparison.Ordinal);
        }
    }
}
