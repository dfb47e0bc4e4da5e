using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    /// <summary>Files the exporter writes: names from patterns, owner-only key files, no overwriting unless asked.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class IdentityExporterTests : IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly string _folder;

        public IdentityExporterTests(TestPkiFixture fixture)
        {
            _fixture = fixture;
            _folder = Path.Combine(fixture.Folder, "identity-export-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_folder);
        }

        [Fact]
        public void KeyFilesAreOwnerOnlyAndNeverOverwrittenUnlessAsked()
        {
            var identity = Identity("rsa2048");
            var path = Path.Combine(_folder, "alice.p12");
            var record = Exporter().Export(identity, path, Pkcs12WriterTests.Secure("secret"));
            Assert.Equal("Pkcs12", record.Format);
            Assert.True(record.HasPrivateKey);
            Assert.False(record.Replaced);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            var before = File.ReadAllBytes(path);
            var error = Assert.Throws<SmimeException>(() => Exporter().Export(identity, path, Pkcs12WriterTests.Secure("other")));
            Assert.Equal(ErrorIds.DestinationExists, error.ErrorId);
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(_folder));

            var replaced = Exporter(overwrite: true).Export(identity, path, Pkcs12WriterTests.Secure("other"));
            Assert.True(replaced.Replaced);
            Assert.Single(CertificateFileReader.ReadFile(path, Pkcs12WriterTests.Secure("other")));
        }

        [Fact]
        public void OneRunDoesNotWriteTwoIdentitiesToOneFile()
        {
            var exporter = Exporter(overwrite: true);
            var path = Path.Combine(_folder, "same.p12");
            exporter.Export(Identity("rsa2048"), path, Pkcs12WriterTests.Secure("secret"));
            var error = Assert.Throws<SmimeException>(() => exporter.Export(Identity("p256"), path, Pkcs12WriterTests.Secure("secret")));
            Assert.Equal(ErrorIds.DestinationExists, error.ErrorId);
        }

        [Theory]
        [InlineData(false, "Der")]
        [InlineData(true, "Pem")]
        public void PublicOnlyWritesTheCertificateAlone(bool pem, string format)
        {
            using var certificate = _fixture.Pki.Users["p256"].GetCertificate();
            var path = Path.Combine(_folder, "bob." + format);
            var record = Exporter(publicOnly: true, pem: pem).Export(new CertificateEntry(certificate, null, "test"), path, null);
            Assert.Equal(format, record.Format);
            Assert.False(record.HasPrivateKey);
            var back = Assert.Single(CertificateFileReader.ReadFile(path));
            Assert.Equal(certificate.Thumbprint, back.Certificate.Thumbprint);
            Assert.Equal(pem, File.ReadAllText(path).StartsWith("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal));
        }

        [Fact]
        public void ACertificateWithoutKeyIsNoPrivateKeyAndWritesNothing()
        {
            using var certificate = _fixture.Pki.Users["rsa2048"].GetCertificate();
            var error = Assert.Throws<SmimeException>(() => Exporter().Export(new CertificateEntry(certificate, null, "test"), Path.Combine(_folder, "x.p12"), Pkcs12WriterTests.Secure("s")));
            Assert.Equal(ErrorIds.NoPrivateKey, error.ErrorId);
            Assert.Empty(Directory.GetFiles(_folder));
        }

        [Fact]
        public void TheChainThatCameWithAnIdentityIsNotAnIdentityWithoutKey()
        {
            var entries = CertificateFileReader.ReadFile(_fixture.Pki.Users["rsa2048"].Pkcs12Path, Pkcs12WriterTests.Secure(_fixture.Pki.Password));
            using var bob = _fixture.Pki.Users["rsa3072"].GetCertificate();
            var all = entries.Concat(entries).Append(new CertificateEntry(bob, null, "pipeline")).ToList();

            var skipped = new System.Collections.Generic.List<CertificateEntry>();
            var selected = IdentityExporter.Select(all, publicOnly: false, skipped);
            Assert.Equal(new[] { _fixture.Pki.Users["rsa2048"].Thumbprint, bob.Thumbprint }, selected.Select(e => e.Certificate.Thumbprint));
            Assert.Equal(_fixture.Pki.Intermediate.Thumbprint, Assert.Single(skipped).Certificate.Thumbprint);
            Assert.Equal(3, IdentityExporter.Select(all, publicOnly: true).Count);
        }

        [Theory]
        [InlineData("{Email}.p12", "rsa2048", "alice@example.com.p12")]
        [InlineData("{email}-{Serial}.pfx", "rsa2048", "alice@example.com-{serial}.pfx")]
        [InlineData("{Subject-CN}.p12", "rsa2048", "Alice Example.p12")]
        [InlineData("{CN} ({Thumbprint}).p12", "p256", "{cn} ({thumbprint}).p12")]
        public void FileNamesFollowThePattern(string pattern, string name, string expected)
        {
            using var certificate = _fixture.Pki.Users[name].GetCertificate();
            IdentityFileName.Validate(pattern);
            var cn = certificate.GetNameInfo(X509NameType.SimpleName, false);
            expected = expected.Replace("{serial}", certificate.SerialNumber).Replace("{thumbprint}", certificate.Thumbprint).Replace("{cn}", cn);
            Assert.Equal(expected, IdentityFileName.Expand(pattern, certificate));
        }

        [Fact]
        public void FileNamesLoseCharactersNoFileSystemTakes()
        {
            using var certificate = _fixture.Pki.Users["rsa2048"].GetCertificate();
            Assert.Equal("O=SmimeTools Test_ Alice_.p12", IdentityFileName.Expand("O=SmimeTools Test: Alice?.p12", certificate));
        }

        [Theory]
        [InlineData("{Mail}.p12")]
        [InlineData("{Email.p12")]
        [InlineData("sub/{Email}.p12")]
        [InlineData(" ")]
        public void BadPatternsAreInvalidFileNamePattern(string pattern) =>
            Assert.Equal(ErrorIds.InvalidFileNamePattern, Assert.Throws<SmimeException>(() => IdentityFileName.Validate(pattern)).ErrorId);

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

        private static IdentityExporter Exporter(bool overwrite = false, bool publicOnly = false, bool pem = false) =>
            new(new IdentityExportOptions { Overwrite = overwrite, PublicOnly = publicOnly, Pem = pem, Iterations = Pkcs12WriterTests.FastIterations });

        private CertificateEntry Identity(string name) =>
            CertificateFileReader.ReadFile(_fixture.Pki.Users[name].Pkcs12Path, Pkcs12WriterTests.Secure(_fixture.Pki.Password))
                .Single(e => e.KeyLocation == KeyLocation.File);
    }
}
