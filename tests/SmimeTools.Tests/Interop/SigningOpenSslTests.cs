using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;
using Xunit.Abstractions;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// Both directions with OpenSSL 3: what we sign, <c>openssl cms -verify</c> accepts (chain to the test root),
    /// and what <c>openssl cms -sign</c> makes, our reader verifies. Skips with a message when openssl is absent.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class SigningOpenSslTests : IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly ITestOutputHelper _output;
        private readonly string _folder;

        public SigningOpenSslTests(TestPkiFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
            _folder = Path.Combine(fixture.Folder, "openssl-signing-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_folder);
        }

        public static IEnumerable<object[]> OurSigners() =>
            from signer in SigningTestKeys.Signers
            from digest in new[] { DigestAlgorithm.Sha256, DigestAlgorithm.Sha384, DigestAlgorithm.Sha512 }
            where signer.Algorithm != SignatureAlgorithm.Ed25519 || digest == DigestAlgorithm.Sha512
            select new object[] { signer.Name, signer.Algorithm, digest };

        public static IEnumerable<object[]> OpenSslSigners() =>
            from signer in new[] { ("rsa2048", false), ("rsa2048", true), ("rsa3072", false), ("rsa3072", true), ("p256", false), ("p384", false), ("p521", false) }
            from digest in new[] { "sha256", "sha384", "sha512" }
            select new object[] { signer.Item1, signer.Item2, digest };

        [SkippableTheory]
        [MemberData(nameof(OurSigners))]
        public void OpenSslVerifiesOurDetachedSignature(string name, SignatureAlgorithm algorithm, DigestAlgorithm digest)
        {
            ExternalTool.Require("openssl");

            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var content = SigningTestKeys.SampleContent(5000);
            var contentPath = Write("content.bin", content);
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(content), new SigningOptions { Key = key, Algorithm = algorithm, Digest = digest });
            var signaturePath = Write("signature.p7s", signature);

            var (code, _, stderr) = ExternalTool.Run("openssl", new[]
            {
                "cms", "-verify", "-binary", "-inform", "DER", "-in", signaturePath, "-content", contentPath,
                "-CAfile", _fixture.Pki.ChainPemPath, "-out", Path.Combine(_folder, "verified.bin"),
            });
            SkipWhereOpenSslKnowsNoEd25519(algorithm, code, stderr);
            Assert.True(code == 0, $"openssl cms -verify failed ({code}): {stderr}");
            Assert.Contains("Verification successful", stderr, StringComparison.Ordinal);
        }

        [SkippableTheory]
        [MemberData(nameof(OurSigners))]
        public void OpenSslVerifiesOurEncapsulatedSignatureAndGetsTheContent(string name, SignatureAlgorithm algorithm, DigestAlgorithm digest)
        {
            ExternalTool.Require("openssl");

            var content = SigningTestKeys.SampleContent(70_000);
            var (code, stderr, verified) = OpenSslVerifyEncapsulated(name, algorithm, digest, content);
            SkipWhereOpenSslKnowsNoEd25519(algorithm, code, stderr);
            Assert.True(code == 0, $"openssl cms -verify failed ({code}): {stderr}");
            Assert.Equal(content, verified);
        }

        /// <summary>With the signature check off (<c>-nosigs</c>) openssl still parses what we write, so this runs for Ed25519 too.</summary>
        [SkippableTheory]
        [MemberData(nameof(OurSigners))]
        public void OpenSslReadsTheContentWeSign(string name, SignatureAlgorithm algorithm, DigestAlgorithm digest)
        {
            ExternalTool.Require("openssl");

            var content = SigningTestKeys.SampleContent(20_000);
            var (code, stderr, read) = OpenSslVerifyEncapsulated(name, algorithm, digest, content, "-nosigs");
            Assert.True(code == 0, $"openssl cms -verify -nosigs failed ({code}): {stderr}");
            Assert.Equal(content, read);
        }

        [SkippableTheory]
        [MemberData(nameof(OpenSslSigners))]
        public void WeVerifyOpenSslSignatures(string name, bool pss, string digest)
        {
            ExternalTool.Require("openssl");

            var user = _fixture.Pki.Users[name];
            var content = SigningTestKeys.SampleContent(9000);
            var contentPath = Write("content.bin", content);
            foreach (bool detached in new[] { true, false })
            {
                var outPath = Path.Combine(_folder, detached ? "openssl.p7s" : "openssl.p7m");
                var args = new List<string>
                {
                    "cms", "-sign", "-binary", "-md", digest, "-signer", user.CertificatePath, "-inkey", user.PrivateKeyPath,
                    "-in", contentPath, "-outform", "DER", "-out", outPath,
                };
                if (pss)
                {
                    args.AddRange(new[] { "-keyopt", "rsa_padding_mode:pss" });
                }

                if (!detached)
                {
                    args.Add("-nodetach");
                }

                var (code, _, stderr) = ExternalTool.Run("openssl", args);
                Assert.True(code == 0, $"openssl cms -sign failed ({code}): {stderr}");

                SignedDataResult result;
                var output = new MemoryStream();
                using (var input = File.OpenRead(outPath))
                {
                    result = detached
                        ? SignedDataReader.ReadDetached(input, new MemoryStream(content))
                        : SignedDataReader.ReadEncapsulated(input, output);
                }

                var signer = Assert.Single(result.Signers);
                _output.WriteLine($"openssl {name} {(pss ? "PSS" : string.Empty)} {digest} {(detached ? "detached" : "encapsulated")}: {signer.Status} {CmsOid.FriendlyName(signer.SignatureAlgorithmOid)} {signer.Problem}");
                Assert.True(signer.IsValid, signer.Problem);
                Assert.Equal(pss ? SignatureAlgorithm.RsaPss : user.KeyAlgorithm == "RSA" ? SignatureAlgorithm.RsaPkcs1 : SignatureAlgorithm.Ecdsa, signer.SignatureAlgorithm);
                Assert.Equal("sha" + digest[3..], CmsOid.FriendlyName(signer.DigestAlgorithmOid).Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant());
                Assert.Equal(user.Thumbprint, signer.Certificate?.Thumbprint);
                Assert.NotNull(signer.SigningTime);
                Assert.NotEmpty(signer.Capabilities);
                if (!detached)
                {
                    Assert.Equal(content, output.ToArray());
                }

                // And a changed byte is caught in openssl's signatures too.
                var changed = (byte[])content.Clone();
                changed[^1] ^= 1;
                using var again = File.OpenRead(outPath);
                if (detached)
                {
                    Assert.Equal(SignerStatus.DigestMismatch, Assert.Single(SignedDataReader.ReadDetached(again, new MemoryStream(changed)).Signers).Status);
                }
            }
        }

        [SkippableFact]
        public void OpenSslEd25519Signing()
        {
            ExternalTool.Require("openssl");

            var user = _fixture.Pki.Users["ed25519"];
            var content = SigningTestKeys.SampleContent(1000);
            var contentPath = Write("content.bin", content);
            var outPath = Path.Combine(_folder, "openssl-ed25519.p7s");
            var (code, _, stderr) = ExternalTool.Run("openssl", new[]
            {
                "cms", "-sign", "-binary", "-md", "sha512", "-signer", user.CertificatePath, "-inkey", user.PrivateKeyPath,
                "-in", contentPath, "-outform", "DER", "-out", outPath,
            });
            SkipWhereOpenSslKnowsNoEd25519(SignatureAlgorithm.Ed25519, code, stderr);
            Assert.True(code == 0, $"openssl cms -sign failed ({code}): {stderr}");

            var signer = Assert.Single(SignedDataReader.ReadDetached(File.ReadAllBytes(outPath), new MemoryStream(content)).Signers);
            Assert.True(signer.IsValid, signer.Problem);
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // Removed with the PKI folder later.
            }
        }

        /// <summary>OpenSSL 3.0 can neither sign nor verify Ed25519 in CMS: it hands the SHA-512 digest to EdDSA, which refuses it.</summary>
        private static void SkipWhereOpenSslKnowsNoEd25519(SignatureAlgorithm algorithm, int code, string stderr) =>
            Skip.If(
                algorithm == SignatureAlgorithm.Ed25519 && code != 0 && stderr.Contains("eddsa_digest_signverify_init:invalid digest", StringComparison.Ordinal),
                $"Peer limitation: this openssl cannot sign or verify Ed25519 in CMS: {stderr.Trim()}");

        /// <summary>Signs <paramref name="content"/> encapsulated and gives it to <c>openssl cms -verify</c>; returns its outcome and the content it wrote.</summary>
        private (int ExitCode, string StdErr, byte[] Content) OpenSslVerifyEncapsulated(string name, SignatureAlgorithm algorithm, DigestAlgorithm digest, byte[] content, params string[] options)
        {
            var encoded = new MemoryStream();
            var signing = new SigningOptions { Key = SigningTestKeys.Load(_fixture.Pki, name), Algorithm = algorithm, Digest = digest };
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(content), encoded, signing);
            var messagePath = Write("message.p7m", encoded.ToArray());
            var outPath = Path.Combine(_folder, "verified.bin");
            File.Delete(outPath);
            var (code, _, stderr) = ExternalTool.Run("openssl", new[] { "cms", "-verify" }.Concat(options).Concat(new[]
            {
                "-binary", "-inform", "DER", "-in", messagePath, "-CAfile", _fixture.Pki.ChainPemPath, "-out", outPath,
            }));
            return (code, stderr, File.Exists(outPath) ? File.ReadAllBytes(outPath) : Array.Empty<byte>());
        }

        private string Write(string name, byte[] data)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, data);
            return path;
        }
    }
}
