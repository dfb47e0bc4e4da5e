using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// GnuPG's <c>gpgsm --verify</c> accepts what we sign, detached and encapsulated, with the test root marked
    /// trusted in a throw-away home and CRL checks off. Skips with a message when gpgsm is absent.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class SigningGpgsmTests : IDisposable, IClassFixture<ClassScoped<GpgsmHome>>
    {
        private readonly TestPkiFixture _fixture;
        private readonly ClassScoped<GpgsmHome> _home;
        private readonly string _folder;

        public SigningGpgsmTests(TestPkiFixture fixture, ClassScoped<GpgsmHome> home)
        {
            _fixture = fixture;
            _home = home;
            _folder = Path.Combine(fixture.Folder, "gpgsm-signing-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_folder);
        }

        public static IEnumerable<object[]> OurSigners() =>
            from signer in SigningTestKeys.Signers

            // gpgsm 2.2 fails every P-521 ECDSA check ("DSA requires the hash length to be a multiple of 8 bits");
            // openssl and NSS verify the same signatures.
            where signer.Name != "p521"
            from digest in new[] { DigestAlgorithm.Sha256, DigestAlgorithm.Sha512 }
            where signer.Algorithm != SignatureAlgorithm.Ed25519 || digest == DigestAlgorithm.Sha512
            select new object[] { signer.Name, signer.Algorithm, digest };

        [SkippableTheory]
        [MemberData(nameof(OurSigners))]
        public void GpgsmVerifiesOurSignatures(string name, SignatureAlgorithm algorithm, DigestAlgorithm digest)
        {
            var home = Home();

            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var content = SigningTestKeys.SampleContent(20_000);
            var contentPath = Write("content.bin", content);
            var options = new SigningOptions { Key = key, Algorithm = algorithm, Digest = digest };

            var signaturePath = Write("signature.p7s", SignedDataBuilder.CreateDetached(new MemoryStream(content), options));
            var (code, _, stderr) = Gpgsm(home, "--verify", signaturePath, contentPath);
            // gpgsm 2.2 (libksba) knows no Ed25519 in CMS: it treats the key as DSA and fails on the hash length.
            Skip.If(
                algorithm == SignatureAlgorithm.Ed25519 && code != 0 && stderr.Contains("DSA requires the hash length", StringComparison.Ordinal),
                $"Peer limitation: this gpgsm does not verify Ed25519 CMS signatures: {stderr.Trim()}");
            Assert.True(code == 0 && stderr.Contains("Good signature", StringComparison.Ordinal), $"gpgsm rejected the detached signature ({code}): {stderr}");

            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(content), encoded, options);
            var messagePath = Write("message.p7m", encoded.ToArray());
            var verifiedPath = Path.Combine(_folder, "verified.bin");
            File.Delete(verifiedPath);
            (code, _, stderr) = Gpgsm(home, "--output", verifiedPath, "--verify", messagePath);
            Assert.True(code == 0 && stderr.Contains("Good signature", StringComparison.Ordinal), $"gpgsm rejected the encapsulated signature ({code}): {stderr}");
            Assert.Equal(content, File.ReadAllBytes(verifiedPath));
        }

        [SkippableFact]
        public void GpgsmRejectsChangedContent()
        {
            var home = Home();

            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            var content = SigningTestKeys.SampleContent(2000);
            var signaturePath = Write("signature.p7s", SignedDataBuilder.CreateDetached(new MemoryStream(content), new SigningOptions { Key = key }));
            content[1500] ^= 1;
            var (code, _, stderr) = Gpgsm(home, "--verify", signaturePath, Write("content.bin", content));
            Assert.NotEqual(0, code);
            Assert.DoesNotContain("Good signature", stderr, StringComparison.Ordinal);
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

        /// <summary>Verifies in the class's GnuPG home, without CRL checks.</summary>
        private static (int ExitCode, string StdOut, string StdErr) Gpgsm(GpgsmHome home, params string[] args) =>
            home.Run(new[] { "--disable-crl-checks", "--assume-binary" }.Concat(args).ToArray());

        /// <summary>The class's GnuPG home: the test CAs imported and the root trusted (gpgsm asks its gpg-agent, stopped with the home).</summary>
        private GpgsmHome Home() => _home.Get(() =>
        {
            var home = new GpgsmHome();
            home.ImportCertificates(_fixture.Pki.Root.CertificatePath, _fixture.Pki.Intermediate.CertificatePath);
            home.TrustRoot(_fixture.Pki.Root.CertificateDerPath);
            return home;
        });

        private string Write(string name, byte[] data)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, data);
            return path;
        }
    }
}
