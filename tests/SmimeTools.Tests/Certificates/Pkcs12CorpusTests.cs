using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Tests.Cms;
using Xunit;
using Xunit.Abstractions;

namespace SmimeTools.Tests.Certificates
{
    /// <summary>
    /// Every PKCS#12 file of the shared corpora (RustCrypto's examples with the passwords of its MANIFEST.tsv, and
    /// MimeKit's test identities, password "no.secret") opens, and each key pairs with its certificate: DER and BER
    /// (Firefox), RC2-40, 3DES, PBES2/AES, MACs from SHA-1 to BLAKE2b, no MAC. Files with only certificates or only
    /// a key say so; all within the default MaximumPkcs12Iterations (Firefox's export and OpenSSL's -iter 600000 ask
    /// for 1,800,000). Read in place from SMIMETOOLS_CORPORA or ../shared/corpora; skipped visibly when absent.
    /// </summary>
    public sealed class Pkcs12CorpusTests
    {
        private readonly ITestOutputHelper _output;

        public Pkcs12CorpusTests(ITestOutputHelper output) => _output = output;

        public static IEnumerable<object[]> Files()
        {
            var corpora = SigningTestKeys.CorporaFolder();
            var manifest = corpora == null ? null : Path.Combine(corpora, "pkcs12-rustcrypto", "MANIFEST.tsv");
            if (manifest == null || !File.Exists(manifest))
            {
                // One case, which skips with the reason, so the run shows why nothing was read.
                yield return new object[] { string.Empty, string.Empty };
                yield break;
            }

            foreach (var line in File.ReadAllLines(manifest).Skip(1).Where(l => l.Length > 0))
            {
                var fields = line.Split('\t');
                yield return new object[] { "pkcs12-rustcrypto/examples/" + fields[0], fields[1] };
            }

            foreach (var file in Directory.EnumerateFiles(Path.Combine(corpora!, "mimekit-smime"), "*.pfx", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                yield return new object[] { Path.GetRelativePath(corpora!, file).Replace('\\', '/'), "no.secret" };
            }
        }

        [SkippableTheory]
        [MemberData(nameof(Files))]
        public void OpensWithTheKeyOfItsCertificate(string file, string password)
        {
            var corpora = SigningTestKeys.CorporaFolder();
            Skip.If(corpora == null || file.Length == 0, "no PKCS#12 corpus (pkcs12-rustcrypto/MANIFEST.tsv under SMIMETOOLS_CORPORA or ../shared/corpora).");

            var path = Path.Combine(corpora!, file);
            var secret = password.Length == 0 ? null : new NetworkCredential(string.Empty, password).SecurePassword;
            var name = Path.GetFileName(path);

            if (name == "example15.pfx")
            {
                // openssl pkcs12 -nokeys: one certificate, no key.
                var certificates = CertificateFileReader.ReadFile(path, secret);
                Assert.Single(certificates);
                Assert.All(certificates, c => Assert.Equal(KeyLocation.None, c.KeyLocation));
                Assert.Equal(ErrorIds.NoPrivateKey, Assert.Throws<SmimeException>(() => IdentityImporter.ReadIdentities(path, secret)).ErrorId);
                return;
            }

            if (name == "example16.pfx")
            {
                // openssl pkcs12 -nocerts: a key alone.
                Assert.Equal(ErrorIds.NoCertificateInFile, Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(path, secret)).ErrorId);
                var contents = Pkcs12Reader.Read(File.ReadAllBytes(path), path, password.ToCharArray());
                Assert.Single(contents.Keys);
                Assert.Empty(contents.Certificates);
                return;
            }

            var identities = IdentityImporter.ReadIdentities(path, secret);
            var identity = Assert.Single(identities);
            Assert.Equal(KeyLocation.File, identity.KeyLocation);
            var bytes = File.ReadAllBytes(path);
            var budget = new Pkcs12WorkBudget(path, InputLimits.Default.MaximumPkcs12Iterations);
            var read = Pkcs12Reader.Read(bytes, path, password.ToCharArray(), budget);
            var key = Assert.Single(read.Keys);
            Assert.NotNull(key.Certificate);
            Assert.True(KeyPairs.IsPairOf(key.Key, key.Certificate!.GetPublicKey()));
            Assert.Equal(key.Certificate.GetEncoded(), identity.Certificate.RawData);
            _output.WriteLine($"{file}: {read.Certificates.Count} certificate(s), MAC {read.MacAlgorithm ?? "none"}, key {key.Key.GetType().Name}, {(bytes[1] == 0x80 ? "BER" : "DER")}, {budget.Spent:N0} iterations");

            if (password.Length > 0)
            {
                var wrong = new NetworkCredential(string.Empty, password + "x").SecurePassword;
                Assert.Equal(ErrorIds.BadPassword, Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(path, wrong)).ErrorId);
            }
        }
    }
}
