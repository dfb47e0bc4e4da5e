using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class CertificateSourceTests : IDisposable
    {
        private readonly TestPkiFixture _fixture;
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "smimetools-sources-" + Guid.NewGuid().ToString("N"));

        public CertificateSourceTests(TestPkiFixture fixture)
        {
            _fixture = fixture;
            Directory.CreateDirectory(Path.Combine(_folder, "sub"));
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        [Fact]
        public void FolderSkipsKeyFilesReportsBadFilesAndReadsTheRest()
        {
            var alice = _fixture.Pki.Users["rsa2048"];
            File.Copy(alice.CertificatePath, Path.Combine(_folder, "alice.crt"));
            File.Copy(alice.PrivateKeyPath, Path.Combine(_folder, "alice.key"));
            File.WriteAllText(Path.Combine(_folder, "junk.crt"), "not a certificate");
            File.Copy(_fixture.Pki.Users["rsa3072"].CertificatePath, Path.Combine(_folder, "sub", "bob.crt"));
            var notes = new List<string>();
            var problems = new List<SmimeException>();

            var source = new FileCertificateSource(_folder) { Note = notes.Add };
            var entries = source.Read(problems.Add).ToList();

            Assert.Equal(new[] { alice.Thumbprint }, entries.Select(e => e.Certificate.Thumbprint));
            Assert.Equal(Path.Combine(_folder, "alice.crt"), entries[0].Source);
            Assert.Equal(ErrorIds.UnreadableCertificateFile, Assert.Single(problems).ErrorId);
            Assert.Contains(notes, n => n.Contains("alice.key", StringComparison.Ordinal));
            Assert.Equal(2, new FileCertificateSource(_folder, recurse: true).Read(_ => { }).Count());
            Assert.Throws<SmimeException>(() => new FileCertificateSource(_folder).Read().ToList());
        }

        [Fact]
        public void FindAppliesTheQueryToAnySource()
        {
            var source = new FileCertificateSource(_fixture.Pki.Users["x25519"].CertificatePath);
            Assert.Single(source.Find(new CertificateQuery { Usage = CertificateUsage.Encryption }));
            Assert.Empty(source.Find(new CertificateQuery { Usage = CertificateUsage.Signing }));
            Assert.Equal(_fixture.Pki.Users["x25519"].CertificatePath, source.Description);
        }

        [Fact]
        public void PkcsTwelveWithPasswordGivesIdentities()
        {
            var password = new System.Security.SecureString();
            foreach (var c in _fixture.Pki.Password)
            {
                password.AppendChar(c);
            }

            var source = new FileCertificateSource(_fixture.Pki.Users["p256"].Pkcs12Path, password);
            var identity = Assert.Single(source.Find(new CertificateQuery { RequirePrivateKey = true }));
            Assert.Equal(KeyLocation.File, identity.KeyLocation);
        }
    }
}
