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
    /// Both directions with NSS (the library in Thunderbird) through <c>cmsutil</c>: NSS verifies what we sign
    /// (test root trusted in a throw-away database), and we verify what <c>cmsutil -S</c> signs with keys imported
    /// from the test PKI's PKCS#12 files. Skips with a message when the NSS tools are absent.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class SigningNssTests : IDisposable, IClassFixture<ClassScoped<NssDatabase>>
    {
        private readonly TestPkiFixture _fixture;
        private readonly ClassScoped<NssDatabase> _database;
        private readonly ITestOutputHelper _output;
        private readonly string _folder;

        public SigningNssTests(TestPkiFixture fixture, ClassScoped<NssDatabase> database, ITestOutputHelper output)
        {
            _fixture = fixture;
            _database = database;
            _output = output;
            _folder = Path.Combine(fixture.Folder, "nss-signing-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_folder);
        }

        public static IEnumerable<object[]> OurSigners() =>
            from signer in SigningTestKeys.Signers
            from digest in new[] { DigestAlgorithm.Sha256, DigestAlgorithm.Sha512 }
            where signer.Algorithm != SignatureAlgorithm.Ed25519 || digest == DigestAlgorithm.Sha512
            select new object[] { signer.Name, signer.Algorithm, digest };

        [SkippableTheory]
        [MemberData(nameof(OurSigners))]
        public void NssVerifiesOurSignatures(string name, SignatureAlgorithm algorithm, DigestAlgorithm digest)
        {
            var database = Database();

            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var content = SigningTestKeys.SampleContent(30_000);
            var contentPath = Write("content.bin", content);
            var options = new SigningOptions { Key = key, Algorithm = algorithm, Digest = digest };

            var detachedPath = Write("signature.p7s", SignedDataBuilder.CreateDetached(new MemoryStream(content), options));
            var (code, stdout, stderr) = database.Cmsutil("-D", "-i", detachedPath, "-c", contentPath, "-n", "-h", "1");
            // NSS 3.87 knows no Ed25519 (support came in later releases): it reports a processing error for the signer.
            Skip.If(
                algorithm == SignatureAlgorithm.Ed25519 && stdout.Contains("status=ProcessingError", StringComparison.Ordinal),
                $"Peer limitation: this NSS cmsutil does not verify Ed25519 signatures: {stdout.Trim()}");
            Assert.True(code == 0 && stdout.Contains("status=GoodSignature", StringComparison.Ordinal), $"cmsutil rejected the detached signature ({code}): {stdout} {stderr}");

            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(content), encoded, options);
            var messagePath = Write("message.p7m", encoded.ToArray());
            (code, stdout, stderr) = database.Cmsutil("-D", "-i", messagePath, "-n", "-h", "1");
            Assert.True(code == 0 && stdout.Contains("status=GoodSignature", StringComparison.Ordinal), $"cmsutil rejected the encapsulated signature ({code}): {stdout} {stderr}");
            var decodedPath = Path.Combine(_folder, "decoded.bin");
            (code, _, stderr) = database.Cmsutil("-D", "-i", messagePath, "-o", decodedPath);
            Assert.True(code == 0, stderr);
            Assert.Equal(content, File.ReadAllBytes(decodedPath));
        }

        [SkippableTheory]
        [InlineData("rsa2048", "SHA256")]
        [InlineData("rsa3072", "SHA384")]
        [InlineData("p256", "SHA256")]
        [InlineData("p384", "SHA512")]
        [InlineData("p521", "SHA512")]
        [InlineData("ed25519", "SHA512")]
        public void WeVerifyNssSignatures(string name, string hash)
        {
            var database = Database();

            var user = _fixture.Pki.Users[name];
            var (code, stdout, stderr) = database.TryImportPkcs12(user.Pkcs12Path, _fixture.Pki.Password);
            // NSS 3.87 has no Ed25519: its PKCS#12 import refuses the key.
            Skip.If(
                name == "ed25519" && stderr.Contains("SEC_ERROR_PKCS12_UNABLE_TO_IMPORT_KEY", StringComparison.Ordinal),
                $"Peer limitation: this NSS cannot import an Ed25519 key: {stderr.Trim()}");
            Assert.True(code == 0, $"pk12util -i failed ({code}): {stdout} {stderr}");

            var content = SigningTestKeys.SampleContent(12_000);
            var contentPath = Write("content.bin", content);
            foreach (bool detached in new[] { true, false })
            {
                var outPath = Path.Combine(_folder, detached ? "nss.p7s" : "nss.p7m");
                var args = new List<string> { "-S", "-N", database.NicknameOf(user.Thumbprint), "-i", contentPath, "-o", outPath, "-G", "-P", "-H", hash, "-Y", "NONE" };
                if (detached)
                {
                    args.Add("-T");
                }

                (code, stdout, stderr) = database.Cmsutil(args.ToArray());
                Assert.True(code == 0, $"cmsutil -S failed ({code}): {stdout} {stderr}");

                var output = new MemoryStream();
                SignedDataResult result;
                using (var input = File.OpenRead(outPath))
                {
                    result = detached ? SignedDataReader.ReadDetached(input, new MemoryStream(content)) : SignedDataReader.ReadEncapsulated(input, output);
                }

                var signer = Assert.Single(result.Signers);
                _output.WriteLine($"NSS {name} {hash} {(detached ? "detached" : "encapsulated")}: {signer.Status} {CmsOid.FriendlyName(signer.SignatureAlgorithmOid)} {signer.Problem}");
                Assert.True(signer.IsValid, signer.Problem);
                Assert.Equal(user.Thumbprint, signer.Certificate?.Thumbprint);
                Assert.NotNull(signer.SigningTime);
                if (!detached)
                {
                    Assert.Equal(content, output.ToArray());
                }
            }
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

        /// <summary>The class's NSS database: the test root trusted for mail, the intermediate known.</summary>
        private NssDatabase Database() => _database.Get(() =>
        {
            var database = new NssDatabase();
            database.AddCertificate("SmimeTools test root", _fixture.Pki.Root.CertificatePath, "C,C,C");
            database.AddCertificate("SmimeTools test intermediate", _fixture.Pki.Intermediate.CertificatePath);
            return database;
        });

        private string Write(string name, byte[] data)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, data);
            return path;
        }
    }
}
