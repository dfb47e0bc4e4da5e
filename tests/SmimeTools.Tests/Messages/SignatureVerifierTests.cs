using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
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

            // The explanation quotes what was added.
            Assert.Contains("The list", AssertExplained(result).Message, StringComparison.Ordinal);
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
            return SignatureVerifier.Verify(MessageInput.FromBytes(Encoding.Latin1.GetBytes(message)), new SignatureVerifyOptions { Validation = _fixture.OfflineValidation() }).ToArray();
        }

        [Fact]
        public void SignerThatHashedLfLineEndsIsExplained()
        {
            AssertExplained(Assert.Single(Verify(Damaged(signedEntity: Entity.Replace("\r\n", "\n", StringComparison.Ordinal), shownEntity: Entity))));
        }

        [Fact]
        public void TrailingWhitespaceAddedByAServerIsExplained()
        {
            var padded = Entity.Replace("Bob,\r\n", "Bob,  \r\n", StringComparison.Ordinal).Replace("attached.\r\n", "attached.\t\r\n", StringComparison.Ordinal);
            AssertExplained(Assert.Single(Verify(Damaged(signedEntity: Entity, shownEntity: padded))));
        }

        [Fact]
        public void QuotedPrintableReencodedTo8BitIsExplained()
        {
            const string signedEntity = "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe aus M=FCnchen\r\n";
            const string shownEntity = "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe aus M\u00fcnchen\r\n";
            AssertExplained(Assert.Single(Verify(Damaged(signedEntity, shownEntity))));
        }

        [Fact]
        public void EachKindOfDamageHasItsOwnExplanation()
        {
            var padded = Entity.Replace("Bob,\r\n", "Bob,  \r\n", StringComparison.Ordinal);
            var explanations = new[]
            {
                Verify(Message(Entity, "\r\n", footerInside: "-- \r\nThe list\r\n", footerPart: false)),
                Verify(Damaged(signedEntity: Entity.Replace("\r\n", "\n", StringComparison.Ordinal), shownEntity: Entity)),
                Verify(Damaged(signedEntity: Entity, shownEntity: padded)),
                Verify(Damaged(
                    "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nM=FCnchen\r\n",
                    "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nM\u00fcnchen\r\n")),
            }.Select(r => AssertExplained(Assert.Single(r)).Message);
            Assert.Equal(4, explanations.Distinct(StringComparer.Ordinal).Count());
        }

        /// <summary>
        /// The engine has no code for the kind of damage, only ContentModified and a sentence, so the sentence is compared,
        /// never read: an explained change must not get the words of a change nothing explains.
        /// </summary>
        private SignatureProblem AssertExplained(SignatureResult result)
        {
            Assert.Equal(SignatureStatus.ContentModified, result.Status);
            var problem = Assert.Single(result.Problems, p => p.Code == SignatureStatus.ContentModified);
            Assert.True(problem.IsError);
            Assert.NotEqual(UnexplainedChange().Message, problem.Message);
            return problem;
        }

        /// <summary>The problem for a changed letter, which no list-server habit explains.</summary>
        private SignatureProblem UnexplainedChange()
        {
            var message = Message(Entity, "\r\n", footerInside: null, footerPart: false).Replace("figures", "Figures", StringComparison.Ordinal);
            return Assert.Single(Assert.Single(Verify(message)).Problems, p => p.Code == SignatureStatus.ContentModified);
        }

        /// <summary>A message showing <paramref name="shownEntity"/> under a signature made over <paramref name="signedEntity"/>, as a list server leaves it.</summary>
        private string Damaged(string signedEntity, string shownEntity)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            var options = new SigningOptions { Key = key, Algorithm = SignatureAlgorithm.RsaPkcs1, Digest = DigestAlgorithm.Sha256 };
            var signature = SignedDataBuilder.CreateDetached(SignedDataDigester.Hash(DigestAlgorithm.Sha256, Encoding.Latin1.GetBytes(signedEntity)), options);
            return "From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: figures\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"sig\"\r\n\r\n"
                + "--sig\r\n" + shownEntity + "\r\n--sig\r\n"
                + "Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Convert.ToBase64String(signature, Base64FormattingOptions.InsertLineBreaks) + "\r\n--sig--\r\n";
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
