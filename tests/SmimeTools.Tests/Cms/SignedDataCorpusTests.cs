using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Policy;
using Xunit;
using Xunit.Abstractions;

namespace SmimeTools.Tests.Cms
{
    /// <summary>
    /// Signed samples others made: RFC 4134 §4 (DSA, RSA, SKI, several signers, a countersignature, many
    /// attributes) and the RFC 9216 / draft-ireland-examples-cms objects (RSA, RSA-PSS, Ed25519 with and without
    /// signed attributes). Read from the shared corpora folder, never copied into the repository.
    /// </summary>
    public sealed class SignedDataCorpusTests
    {
        private const string SampleContent = "This is some sample content.";

        private readonly ITestOutputHelper _output;

        public SignedDataCorpusTests(ITestOutputHelper output) => _output = output;

        [SkippableTheory]
        [InlineData("4.1", 1, false)]
        [InlineData("4.2", 1, false)]
        [InlineData("4.3", 1, true)]
        [InlineData("4.4", 1, false)]
        [InlineData("4.5", 1, false)]
        [InlineData("4.6", 2, false)]
        [InlineData("4.7", 1, false)]
        [InlineData("4.10", 1, false)]
        public void Rfc4134SignedDataVerifies(string sample, int signers, bool detached)
        {
            var folder = Folder("rfc4134");

            var content = File.ReadAllBytes(Path.Combine(folder, "ExContent.bin"));
            var certificates = Rfc4134Certificates(folder);
            using var input = File.OpenRead(Path.Combine(folder, sample + ".bin"));
            var output = new MemoryStream();
            var result = detached
                ? SignedDataReader.ReadDetached(input, new MemoryStream(content), certificates)
                : SignedDataReader.ReadEncapsulated(input, output, certificates);

            Report(sample, result);
            if (!detached)
            {
                Assert.Equal(content, output.ToArray());
            }

            Assert.Equal(signers, result.Signers.Count);
            Assert.All(result.Signers, s => Assert.True(s.IsValid, $"{sample}: {s.Problem}"));
            Assert.All(result.Signers, s => Assert.Equal(DigestAlgorithm.Sha1, s.DigestAlgorithm));
            Assert.All(result.Signers, s => Assert.True(s.IsWeakAlgorithm));
            Assert.True(result.IsWeak);
        }

        [SkippableFact]
        public void Rfc4134CountersignatureIsListedAndVerified()
        {
            var folder = Folder("rfc4134");

            using var input = File.OpenRead(Path.Combine(folder, "4.4.bin"));
            var result = SignedDataReader.ReadEncapsulated(input, Stream.Null, Rfc4134Certificates(folder));
            var signer = Assert.Single(result.Signers);
            Assert.Equal(new DateTimeOffset(2003, 5, 14, 15, 39, 0, TimeSpan.Zero), signer.SigningTime);
            var counter = Assert.Single(signer.Countersignatures);
            Report("4.4 countersignature", counter);
            Assert.True(counter.IsValid, counter.Problem);
            Assert.Equal("CN=AliceRSA", counter.Certificate!.Subject);
            Assert.Equal("CN=CarlRSA", counter.Certificate.Issuer);
            Assert.Null(signer.Problem);
        }

        [SkippableFact]
        public void Rfc4134AttributesAreRead()
        {
            var folder = Folder("rfc4134");

            using var input = File.OpenRead(Path.Combine(folder, "4.10.bin"));
            var signer = Assert.Single(SignedDataReader.ReadEncapsulated(input, Stream.Null, Rfc4134Certificates(folder)).Signers);
            Assert.Equal(new[] { "1.2.3.4.5.6", "1.2.3.4.5.6.77" }, signer.CapabilityOids);
            Assert.Empty(signer.Capabilities);
            Assert.NotNull(signer.EncryptionKeyPreference);
            Assert.True(signer.EncryptionKeyPreference!.IsIssuerAndSerialNumber);
            Assert.Contains(CmsOid.EncryptionKeyPreferenceAttribute, signer.SignedAttributeOids);
        }

        [SkippableFact]
        public void Rfc4134SkiSignerIsFound()
        {
            var folder = Folder("rfc4134");

            using var input = File.OpenRead(Path.Combine(folder, "4.7.bin"));
            var signer = Assert.Single(SignedDataReader.ReadEncapsulated(input, Stream.Null).Signers);
            Assert.False(signer.SignerIdentifier.IsIssuerAndSerialNumber);
            Assert.NotNull(signer.SignerIdentifier.SubjectKeyIdentifier);
            Assert.Equal(3, signer.Version);
            Assert.True(signer.IsValid, signer.Problem);
        }

        [SkippableFact]
        public void Rfc4134CertificatesOnlyHasNoSigners()
        {
            var folder = Folder("rfc4134");

            var result = SignedDataReader.ReadDetached(File.ReadAllBytes(Path.Combine(folder, "4.11.bin")), new MemoryStream());
            Assert.Empty(result.Signers);
            Assert.False(result.AllSignersValid);
            Assert.Equal(2, result.Certificates.Count);
            Assert.Single(result.Crls);
        }

        [SkippableFact]
        public void Rfc4134MultipartSignedVerifies()
        {
            var folder = Folder("rfc4134");

            var text = File.ReadAllText(Path.Combine(folder, "4.8.eml"));
            var signature = Base64After(text, "filename=smime.p7s", "------=");
            var result = SignedDataReader.ReadDetached(signature, new MemoryStream(Encoding.ASCII.GetBytes("\r\n" + SampleContent)), Rfc4134Certificates(folder));
            Report("4.8", result);
            Assert.True(result.AllSignersValid, result.Signers.FirstOrDefault()?.Problem);
        }

        [SkippableFact]
        public void Rfc4134OpaqueSignedVerifies()
        {
            var folder = Folder("rfc4134");

            var text = File.ReadAllText(Path.Combine(folder, "4.9.eml"));
            var p7m = Base64After(text, "filename=smime.p7m", null);
            var output = new MemoryStream();
            var result = SignedDataReader.ReadEncapsulated(new MemoryStream(p7m), output, Rfc4134Certificates(folder));
            Report("4.9", result);
            Assert.True(result.AllSignersValid, result.Signers.FirstOrDefault()?.Problem);
            Assert.Equal("\r\n" + SampleContent, Encoding.ASCII.GetString(output.ToArray()));
        }

        [SkippableTheory]
        [InlineData("signedByAliceRSA", SignatureAlgorithm.RsaPkcs1)]
        [InlineData("signedByAliceRSAPSS", SignatureAlgorithm.RsaPss)]
        [InlineData("signedByCarlosEd25519", SignatureAlgorithm.Ed25519)]
        public void Rfc9216SignedDataVerifies(string name, SignatureAlgorithm algorithm)
        {
            var folder = Folder("rfc9216");

            using var input = File.OpenRead(Path.Combine(folder, "examples-cms", "binary-files", name + ".p7m"));
            var output = new MemoryStream();
            var result = SignedDataReader.ReadEncapsulated(input, output);
            Report(name, result);
            Assert.Equal(SampleContent, Encoding.ASCII.GetString(output.ToArray()));
            var signer = Assert.Single(result.Signers);
            Assert.True(signer.IsValid, signer.Problem);
            Assert.Equal(algorithm, signer.SignatureAlgorithm);
            Assert.False(signer.IsWeakAlgorithm);
        }

        [SkippableFact]
        public void Rfc9216TwoSignersWithoutCertificatesVerifyWithCertificatesGiven()
        {
            var folder = Folder("rfc9216");

            var path = Path.Combine(folder, "examples-cms", "binary-files", "signedByAliceAndCarlosNoCerts.p7m");
            var alone = SignedDataReader.ReadEncapsulated(new MemoryStream(File.ReadAllBytes(path)), Stream.Null);
            Assert.Empty(alone.Certificates);
            Assert.All(alone.Signers, s => Assert.Equal(SignerStatus.CertificateNotFound, s.Status));

            // Carlos signs without signed attributes: Ed25519 over the content itself (RFC 8419 §3.1).
            var result = SignedDataReader.ReadEncapsulated(new ForwardOnlyStream(new MemoryStream(File.ReadAllBytes(path))), Stream.Null, Rfc9216Certificates(folder));
            Report("signedByAliceAndCarlosNoCerts", result);
            Assert.Equal(2, result.Signers.Count);
            Assert.All(result.Signers, s => Assert.True(s.IsValid, s.Problem));
            Assert.Contains(result.Signers, s => s.SignatureAlgorithm == SignatureAlgorithm.Ed25519 && !s.HasSignedAttributes && s.MessageDigestMatches == null);
        }

        [SkippableFact]
        public void Rfc9216DetachedEd25519WithoutAttributesVerifies()
        {
            var folder = Folder("rfc9216");

            var signature = File.ReadAllBytes(Path.Combine(folder, "examples-cms", "binary-files", "signedByCarlosDetached.p7m"));
            var result = SignedDataReader.ReadDetached(signature, new ForwardOnlyStream(new MemoryStream(Encoding.ASCII.GetBytes(SampleContent))));
            Report("signedByCarlosDetached", result);
            var signer = Assert.Single(result.Signers);
            Assert.True(signer.IsValid, signer.Problem);
            Assert.False(signer.HasSignedAttributes);
            Assert.False(signer.SignerIdentifier.IsIssuerAndSerialNumber);

            var changed = Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(Encoding.ASCII.GetBytes(SampleContent + " "))).Signers);
            Assert.Equal(SignerStatus.BadSignature, changed.Status);
        }

        private static IReadOnlyList<X509Certificate2> Rfc4134Certificates(string folder) =>
            Directory.GetFiles(folder, "*.cer").Select(p => X509CertificateLoader.LoadCertificate(File.ReadAllBytes(p))).ToList();

        private static IReadOnlyList<X509Certificate2> Rfc9216Certificates(string folder) =>
            Directory.GetFiles(Path.Combine(folder, "examples-cms", "certs-and-keys"), "*.crt")
                .Concat(Directory.GetFiles(Path.Combine(folder, "certs"), "*.pem"))
                .Select(p => X509Certificate2.CreateFromPem(File.ReadAllText(p)))
                .ToList();

        private static byte[] Base64After(string text, string marker, string? until)
        {
            int start = text.IndexOf(marker, StringComparison.Ordinal);
            Assert.True(start >= 0, marker);
            start = text.IndexOf("\n\n", start, StringComparison.Ordinal) + 2;
            int end = until == null ? text.Length : text.IndexOf(until, start, StringComparison.Ordinal);
            var base64 = new string(text[start..end].Where(c => !char.IsWhiteSpace(c)).ToArray());
            return Convert.FromBase64String(base64);
        }

        /// <summary>The <paramref name="name"/> folder of the corpora; skips the test visibly, with the reason, when it is absent.</summary>
        private static string Folder(string name)
        {
            var corpora = SigningTestKeys.CorporaFolder();
            var folder = corpora == null ? null : Path.Combine(corpora, name);
            Skip.If(
                folder == null || !Directory.Exists(folder),
                $"the {name} corpus is not at {folder ?? "<repo>/../shared/corpora"}; set SMIMETOOLS_CORPORA to the corpora folder to run this test.");
            return folder!;
        }

        private void Report(string name, SignedDataResult result)
        {
            foreach (var signer in result.Signers)
            {
                Report(name, signer);
            }
        }

        private void Report(string name, SignerResult signer) =>
            _output.WriteLine($"{name}: {signer.Status} {CmsOid.FriendlyName(signer.DigestAlgorithmOid)} {CmsOid.FriendlyName(signer.SignatureAlgorithmOid)} by {signer.Certificate?.Subject ?? signer.SignerIdentifier.ToString()} {signer.Problem}");
    }
}
