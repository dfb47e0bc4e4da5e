using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Tests.Certificates;
using SmimeTools.Tests.TestPki;
using Xunit;
using Xunit.Abstractions;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// The PKCS#12 files we write open in the real readers: OpenSSL 3 (<c>openssl pkcs12</c>, and <c>-legacy</c> for
    /// the legacy form), NSS's <c>pk12util</c> (Thunderbird's import) into a throw-away database, and GnuPG's
    /// <c>gpgsm --import</c> for the legacy form (DESIGN.md §7). Each skips with a message when its tool is absent.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class Pkcs12InteropTests : IDisposable
    {
        private const string Password = "Export pässword 1";

        private readonly TestPkiFixture _fixture;
        private readonly ITestOutputHelper _output;
        private readonly string _folder;

        public Pkcs12InteropTests(TestPkiFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
            _folder = Path.Combine(fixture.Folder, "pkcs12-interop-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_folder);
        }

        [SkippableTheory]
        [InlineData("rsa2048")]
        [InlineData("p384")]
        [InlineData("ed25519")]
        [InlineData("x25519")]
        public void OpenSslReadsTheDefaultForm(string name)
        {
            ExternalTool.Require("openssl");

            var file = Export(name, Pkcs12Protection.Aes256Sha256);
            var (code, stdout, stderr) = OpenSsl("pkcs12", "-info", "-noout", "-in", file, "-passin", "env:P12PASS");
            var info = stdout + stderr;
            Assert.True(code == 0, $"openssl pkcs12 -info failed ({code}): {info}");
            Assert.Contains("MAC: sha256", info, StringComparison.Ordinal);
            Assert.Contains("PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256", info, StringComparison.Ordinal);
            Assert.DoesNotContain("RC2", info, StringComparison.Ordinal);
            AssertOpenSslGivesTheIdentity(name, file);
        }

        [SkippableTheory]
        [InlineData("rsa3072")]
        [InlineData("p256")]
        [InlineData("ed25519")]
        public void OpenSslLegacyReadsTheLegacyForm(string name)
        {
            ExternalTool.Require("openssl");

            var file = Export(name, Pkcs12Protection.Legacy);
            var (code, stdout, stderr) = OpenSsl("pkcs12", "-legacy", "-info", "-noout", "-in", file, "-passin", "env:P12PASS");
            var info = stdout + stderr;
            Assert.True(code == 0, $"openssl pkcs12 -legacy -info failed ({code}): {info}");
            Assert.Contains("MAC: sha1", info, StringComparison.Ordinal);
            Assert.Contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC", info, StringComparison.Ordinal);
            Assert.Contains("PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC", info, StringComparison.Ordinal);
            AssertOpenSslGivesTheIdentity(name, file, "-legacy");
        }

        [SkippableTheory]
        [InlineData("rsa2048", Pkcs12Protection.Aes256Sha256)]
        [InlineData("rsa2048", Pkcs12Protection.Legacy)]
        [InlineData("p256", Pkcs12Protection.Aes256Sha256)]
        [InlineData("p384", Pkcs12Protection.Legacy)]
        public void NssImportsBothForms(string name, Pkcs12Protection protection)
        {
            var user = _fixture.Pki.Users[name];
            var file = Export(name, protection, includeChain: true);
            using var nss = new NssDatabase();
            nss.ImportPkcs12(file, Password);

            var (code, stdout, stderr) = nss.Certutil("-K");
            Assert.True(code == 0, $"certutil -K failed: {stdout} {stderr}");
            Assert.Contains(user.CertificateEmail, stdout, StringComparison.OrdinalIgnoreCase);
            (code, stdout, stderr) = nss.Certutil("-L");
            Assert.True(code == 0, stderr);
            Assert.Contains("SmimeTools Test Intermediate CA", stdout, StringComparison.Ordinal);
            _output.WriteLine($"NSS imported {name} ({protection}):\n{stdout}");
        }

        [SkippableFact]
        public void GpgsmImportsTheLegacyForm()
        {
            // gpgsm 2.2.40 crashes on EC keys in PKCS#12 (see EnvelopingGpgsmTests): RSA only.
            using var gpgsm = new GpgsmHome();
            gpgsm.ImportPkcs12(Export("rsa2048", Pkcs12Protection.Legacy), Password);
            var (code, listing, stderr) = gpgsm.Run("--list-secret-keys");
            Assert.True(code == 0, stderr);
            Assert.Contains("alice@example.com", listing, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(_fixture.Pki.Users["rsa2048"].Thumbprint, Fingerprints(listing), StringComparison.OrdinalIgnoreCase);

            // gpgsm 2.2 cannot import the default PBES2/AES form (DESIGN §7); one that can shows here.
            var modern = Export("rsa3072", Pkcs12Protection.Aes256Sha256);
            (code, _, stderr) = gpgsm.TryImportPkcs12(modern, Password);
            Assert.True(code != 0 && !stderr.Contains("secret keys imported: 1", StringComparison.Ordinal), $"gpgsm imported the PBES2/AES form: {stderr}");
            (code, listing, stderr) = gpgsm.Run("--list-secret-keys");
            Assert.True(code == 0, stderr);
            Assert.DoesNotContain(_fixture.Pki.Users["rsa3072"].Thumbprint, Fingerprints(listing), StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>gpgsm lists SHA-1 fingerprints as colon-separated hex; without the colons they are thumbprints.</summary>
        private static string Fingerprints(string listing) => listing.Replace(":", string.Empty, StringComparison.Ordinal);

        public void Dispose()
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // Removed with the PKI folder.
            }
        }

        private static (int ExitCode, string StdOut, string StdErr) OpenSsl(params string[] args) =>
            ExternalTool.Run("openssl", args, environment: new Dictionary<string, string?> { ["P12PASS"] = Password });

        /// <summary>openssl takes the key and certificate out, and we read back the same identity from its PEM.</summary>
        private void AssertOpenSslGivesTheIdentity(string name, string file, string? legacy = null)
        {
            var pem = Path.Combine(_folder, name + "-openssl.pem");
            var args = new List<string> { "pkcs12", "-in", file, "-passin", "env:P12PASS", "-nodes", "-out", pem };
            if (legacy != null)
            {
                args.Add(legacy);
            }

            var (code, stdout, stderr) = OpenSsl(args.ToArray());
            Assert.True(code == 0, $"openssl pkcs12 -nodes failed: {stdout} {stderr}");
            var identity = Assert.Single(CertificateFileReader.ReadFile(pem), e => e.KeyLocation == KeyLocation.File);
            Assert.Equal(_fixture.Pki.Users[name].Thumbprint, identity.Certificate.Thumbprint);
        }

        private string Export(string name, Pkcs12Protection protection, bool includeChain = false)
        {
            var identity = CertificateFileReader.ReadFile(_fixture.Pki.Users[name].Pkcs12Path, Pkcs12WriterTests.Secure(_fixture.Pki.Password))
                .Single(e => e.KeyLocation == KeyLocation.File);
            var exporter = new IdentityExporter(new IdentityExportOptions
            {
                Protection = protection,
                IncludeChain = includeChain,
                Iterations = Pkcs12WriterTests.FastIterations,
            });
            var path = Path.Combine(_folder, $"{name}-{protection}-{Guid.NewGuid():N}.p12");
            var record = exporter.Export(identity, path, Pkcs12WriterTests.Secure(Password));
            Assert.Equal(path, record.Path);
            return path;
        }
    }
}
