using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
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
    /// GnuPG's <c>gpgsm --verify</c> accepts what we sign, detached and encapsulated, with the test root marked
    /// trusted in a throw-away home and CRL checks off. Skips with a message when gpgsm is absent.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class SigningGpgsmTests : IDisposable, IClassFixture<SigningGpgsmTests.AgentStopper>
    {
        private static readonly Dictionary<string, string> Homes = new(StringComparer.Ordinal);

        private readonly TestPkiFixture _fixture;
        private readonly string _folder;

        public SigningGpgsmTests(TestPkiFixture fixture, AgentStopper agents)
        {
            _fixture = fixture;
            agents.Watch(fixture.Pki.Folder);
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

        /// <summary>gpgsm asks gpg-agent whether the root is trusted; the agent it starts is stopped once the class is done.</summary>
        public sealed class AgentStopper : IDisposable
        {
            private readonly HashSet<string> _folders = new(StringComparer.Ordinal);

            public void Watch(string pkiFolder)
            {
                lock (_folders)
                {
                    _folders.Add(pkiFolder);
                }
            }

            public void Dispose()
            {
                lock (Homes)
                {
                    foreach (var folder in _folders)
                    {
                        if (Homes.TryGetValue(folder, out var home) && ExternalTool.Find("gpgconf") != null)
                        {
                            ExternalTool.Run("gpgconf", new[] { "--homedir", home, "--kill", "gpg-agent" });
                        }
                    }
                }
            }
        }

        private static (int ExitCode, string StdOut, string StdErr) Gpgsm(string home, params string[] args) =>
            ExternalTool.Run("gpgsm", new[] { "--homedir", home, "--batch", "--disable-crl-checks", "--disable-dirmngr", "--assume-binary" }.Concat(args));

        /// <summary>
        /// A GnuPG home with the test CAs imported and the root trusted, made once per test PKI inside its folder.
        /// Skips the test visibly when gpgsm is not installed.
        /// </summary>
        private string Home()
        {
            ExternalTool.Require("gpgsm");

            Pki pki = _fixture.Pki;
            lock (Homes)
            {
                if (!Homes.TryGetValue(pki.Folder, out var home))
                {
                    home = Path.Combine(pki.Folder, "gnupg-signing");
                    Directory.CreateDirectory(home);
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    }

                    var (code, _, stderr) = ExternalTool.Run("gpgsm", new[] { "--homedir", home, "--batch", "--import", pki.Root.CertificatePath, pki.Intermediate.CertificatePath });
                    Assert.True(code == 0, $"gpgsm --import failed: {stderr}");
                    using var root = X509Certificate2.CreateFromPem(File.ReadAllText(pki.Root.CertificatePath));
                    var fingerprint = string.Join(':', Enumerable.Range(0, root.Thumbprint.Length / 2).Select(i => root.Thumbprint.Substring(i * 2, 2)));
                    File.WriteAllText(Path.Combine(home, "trustlist.txt"), fingerprint + " S\n");
                    Homes.Add(pki.Folder, home);
                }

                return home;
            }
        }

        private string Write(string name, byte[] data)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, data);
            return path;
        }
    }
}
