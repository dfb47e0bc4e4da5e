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
using Pki = global::SmimeTools.TestPki.TestPki;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// Both directions with NSS (the library in Thunderbird) through <c>cmsutil</c>: NSS verifies what we sign
    /// (test root trusted in a throw-away database), and we verify what <c>cmsutil -S</c> signs with keys imported
    /// from the test PKI's PKCS#12 files. Skips with a message when the NSS tools are absent.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class SigningNssTests : IDisposable
    {
        private static readonly Dictionary<string, string> Databases = new(StringComparer.Ordinal);

        private readonly TestPkiFixture _fixture;
        private readonly ITestOutputHelper _output;
        private readonly string _folder;

        public SigningNssTests(TestPkiFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
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
            var (code, stdout, stderr) = ExternalTool.Run("cmsutil", new[] { "-D", "-d", database, "-i", detachedPath, "-c", contentPath, "-n", "-h", "1" });
            // NSS 3.87 knows no Ed25519 (support came in later releases): it reports a processing error for the signer.
            Skip.If(
                algorithm == SignatureAlgorithm.Ed25519 && stdout.Contains("status=ProcessingError", StringComparison.Ordinal),
                $"Peer limitation: this NSS cmsutil does not verify Ed25519 signatures: {stdout.Trim()}");
            Assert.True(code == 0 && stdout.Contains("status=GoodSignature", StringComparison.Ordinal), $"cmsutil rejected the detached signature ({code}): {stdout} {stderr}");

            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(content), encoded, options);
            var messagePath = Write("message.p7m", encoded.ToArray());
            (code, stdout, stderr) = ExternalTool.Run("cmsutil", new[] { "-D", "-d", database, "-i", messagePath, "-n", "-h", "1" });
            Assert.True(code == 0 && stdout.Contains("status=GoodSignature", StringComparison.Ordinal), $"cmsutil rejected the encapsulated signature ({code}): {stdout} {stderr}");
            var decodedPath = Path.Combine(_folder, "decoded.bin");
            (code, _, stderr) = ExternalTool.Run("cmsutil", new[] { "-D", "-d", database, "-i", messagePath, "-o", decodedPath });
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
            var passwordFile = Write("p12-password.txt", System.Text.Encoding.ASCII.GetBytes(_fixture.Pki.Password + "\n"));
            var (code, stdout, stderr) = ExternalTool.Run("pk12util", new[] { "-i", user.Pkcs12Path, "-d", database, "-w", passwordFile });
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
                var args = new List<string> { "-S", "-d", database, "-N", NicknameOf(database, user.Thumbprint), "-i", contentPath, "-o", outPath, "-G", "-P", "-H", hash, "-Y", "NONE" };
                if (detached)
                {
                    args.Add("-T");
                }

                (code, stdout, stderr) = ExternalTool.Run("cmsutil", args);
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

        /// <summary>
        /// The NSS database (root trusted for mail, intermediate known), made once per test PKI inside its folder.
        /// Skips the test visibly when the NSS tools are not installed.
        /// </summary>
        private string Database()
        {
            ExternalTool.Require("cmsutil", "certutil", "pk12util");

            Pki pki = _fixture.Pki;
            lock (Databases)
            {
                if (!Databases.TryGetValue(pki.Folder, out var database))
                {
                    var folder = Path.Combine(pki.Folder, "nssdb-signing");
                    Directory.CreateDirectory(folder);
                    database = "sql:" + folder;
                    Check(ExternalTool.Run("certutil", new[] { "-N", "-d", database, "--empty-password" }));
                    Check(ExternalTool.Run("certutil", new[] { "-A", "-d", database, "-n", "SmimeTools test root", "-t", "C,C,C", "-i", pki.Root.CertificatePath }));
                    Check(ExternalTool.Run("certutil", new[] { "-A", "-d", database, "-n", "SmimeTools test intermediate", "-t", ",,", "-i", pki.Intermediate.CertificatePath }));
                    Databases.Add(pki.Folder, database);
                }

                return database;
            }
        }

        /// <summary>The nickname pk12util gave the user's certificate.</summary>
        private static string NicknameOf(string database, string thumbprint)
        {
            var (code, stdout, stderr) = ExternalTool.Run("certutil", new[] { "-L", "-d", database });
            Assert.True(code == 0, stderr);
            foreach (var line in stdout.Split('\n').Skip(4))
            {
                var nickname = line.Length > 60 ? line[..60].Trim() : line.Trim();
                if (nickname.Length == 0)
                {
                    continue;
                }

                var (pemCode, pem, _) = ExternalTool.Run("certutil", new[] { "-L", "-d", database, "-n", nickname, "-a" });
                if (pemCode == 0 && System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem).Thumbprint == thumbprint)
                {
                    return nickname;
                }
            }

            throw new InvalidOperationException("The imported certificate was not found in the NSS database.");
        }

        private static void Check((int ExitCode, string StdOut, string StdErr) run) =>
            Assert.True(run.ExitCode == 0, $"NSS tool failed ({run.ExitCode}): {run.StdOut} {run.StdErr}");

        private string Write(string name, byte[] data)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, data);
            return path;
        }
    }
}
