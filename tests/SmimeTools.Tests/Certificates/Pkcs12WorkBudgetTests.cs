using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    /// <summary>
    /// A PKCS#12 file chooses its iteration counts, and all of them together are bounded by
    /// <see cref="InputLimits.MaximumPkcs12Iterations"/>: files that ask for more are refused before the step that
    /// would pass it (before any step when the counts are visible in the clear), and the files real writers make open.
    /// The crafted files are made by .NET's own PKCS#12 writer, so they are real files, not hand-made structures.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class Pkcs12WorkBudgetTests : IDisposable
    {
        private const string Password = "budget";
        private const int Costly = 200_000;
        private const int KeyBags = 10;

        private readonly TestPkiFixture _fixture;
        private readonly string _folder;

        public Pkcs12WorkBudgetTests(TestPkiFixture fixture)
        {
            _fixture = fixture;
            _folder = Path.Combine(fixture.Folder, "pkcs12-budget-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_folder);
        }

        [Fact]
        public void ManyCostlyKeyBagsAreRefusedBeforeAnyDerivation()
        {
            // Ten shrouded keys and the MAC at 200,000 each, all readable in the clear: 2,200,000 in all.
            var bytes = CostlyFile(encryptKeyBags: false);
            var asked = (KeyBags + 1L) * Costly;
            var budget = new Pkcs12WorkBudget("crafted.p12", InputLimits.Default.MaximumPkcs12Iterations);

            var error = Assert.Throws<SmimeException>(() => Pkcs12Reader.Read(bytes, "crafted.p12", Password.ToCharArray(), budget));

            Assert.Equal(ErrorIds.TooManyPkcs12Iterations, error.ErrorId);
            Assert.Equal(SmimeErrorKind.LimitsExceeded, error.Kind);
            Assert.Contains("crafted.p12", error.Message, StringComparison.Ordinal);
            Assert.Contains(asked.ToString("N0"), error.Message, StringComparison.Ordinal);
            Assert.Contains(InputLimits.Default.MaximumPkcs12Iterations.ToString("N0"), error.Message, StringComparison.Ordinal);
            Assert.Contains("-MaximumPkcs12Iterations", error.RecommendedAction, StringComparison.Ordinal);

            // Every derivation takes its count from the budget before it runs: nothing was taken, so none ran.
            Assert.Equal(0, budget.Spent);
        }

        /// <summary>A PEM encrypted PKCS#8 key (PBES2, PBKDF2-SHA256, AES-256-CBC) asking for <paramref name="iterations"/>; its ciphertext is noise.</summary>
        private static string EncryptedKeyPem(int iterations)
        {
            var pbkdf2 = new Org.BouncyCastle.Asn1.Pkcs.Pbkdf2Params(new byte[16], iterations,
                new Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier(Org.BouncyCastle.Asn1.Pkcs.PkcsObjectIdentifiers.IdHmacWithSha256, Org.BouncyCastle.Asn1.DerNull.Instance));
            var scheme = new Org.BouncyCastle.Asn1.Pkcs.PbeS2Parameters(
                new Org.BouncyCastle.Asn1.Pkcs.KeyDerivationFunc(Org.BouncyCastle.Asn1.Pkcs.PkcsObjectIdentifiers.IdPbkdf2, pbkdf2),
                new Org.BouncyCastle.Asn1.Pkcs.EncryptionScheme(Org.BouncyCastle.Asn1.Nist.NistObjectIdentifiers.IdAes256Cbc, new Org.BouncyCastle.Asn1.DerOctetString(new byte[16])));
            var info = new Org.BouncyCastle.Asn1.Pkcs.EncryptedPrivateKeyInfo(
                new Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier(Org.BouncyCastle.Asn1.Pkcs.PkcsObjectIdentifiers.IdPbeS2, scheme), RandomNumberGenerator.GetBytes(1232));
            return PemEncoding.WriteString("ENCRYPTED PRIVATE KEY", info.GetEncoded());
        }

        [Fact]
        public void AnEncryptedKeyFileIsHeldToTheSameLimitBeforeItsKeyIsDerived()
        {
            // Two blocks of 1,100,000 each: together past the limit, so the file is refused before either is derived.
            var path = Path.Combine(_folder, "costly.key");
            File.WriteAllText(path, EncryptedKeyPem(1_100_000) + "\n" + EncryptedKeyPem(1_100_000) + "\n");
            var error = Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(path, Secure(Password)));
            Assert.Equal(ErrorIds.TooManyPkcs12Iterations, error.ErrorId);
            Assert.StartsWith($"The encrypted private key file '{path}' asks for 2,200,000", error.Message, StringComparison.Ordinal);

            // Raised, the key is derived and its noise fails as a wrong password would; the test PKI's own key still opens.
            var raised = InputLimits.Default with { MaximumPkcs12Iterations = 2_200_000 };
            Assert.Equal(ErrorIds.BadPassword, Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(path, Secure(Password), raised)).ErrorId);
            var user = _fixture.Pki.Users["rsa2048"];
            Assert.Single(CertificateFileReader.ReadCertificateAndKey(user.CertificatePath, user.EncryptedPrivateKeyPath, Secure(_fixture.Pki.Password)),
                e => e.Key != null);
        }

        [Fact]
        public void RaisingTheLimitOpensTheFile()
        {
            var path = Path.Combine(_folder, "costly.p12");
            File.WriteAllBytes(path, CostlyFile(encryptKeyBags: false));
            var asked = (KeyBags + 1L) * Costly;
            var limits = InputLimits.Default with { MaximumPkcs12Iterations = asked };

            Assert.Equal(ErrorIds.TooManyPkcs12Iterations,
                Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(path, Secure(Password))).ErrorId);
            var entry = Assert.Single(CertificateFileReader.ReadFile(path, Secure(Password), limits));
            Assert.Equal(KeyLocation.File, entry.KeyLocation);
            Assert.Equal(_fixture.Pki.Users["p256"].Thumbprint, entry.Certificate.Thumbprint);

            // What was run is exactly what the file asks for: the MAC and each key once.
            var budget = new Pkcs12WorkBudget(path, asked);
            var contents = Pkcs12Reader.Read(File.ReadAllBytes(path), path, Password.ToCharArray(), budget);
            Assert.Equal(KeyBags, contents.Keys.Count);
            Assert.Equal(asked, budget.Spent);
        }

        [Fact]
        public void KeyBagsInsideAnEncryptedPartAreCountedAsTheyAreReached()
        {
            // The shrouded keys are visible only once their part is decrypted: the budget stops the reading at the
            // key that would pass it, having run no more than the limit.
            var bytes = CostlyFile(encryptKeyBags: true);
            var limit = InputLimits.Default.MaximumPkcs12Iterations;
            var budget = new Pkcs12WorkBudget("hidden.p12", limit);

            var error = Assert.Throws<SmimeException>(() => Pkcs12Reader.Read(bytes, "hidden.p12", Password.ToCharArray(), budget));

            Assert.Equal(ErrorIds.TooManyPkcs12Iterations, error.ErrorId);
            Assert.InRange(budget.Spent, Costly, limit);
            var raised = new Pkcs12WorkBudget("hidden.p12", (KeyBags + 2L) * Costly);
            Assert.Equal(KeyBags, Pkcs12Reader.Read(bytes, "hidden.p12", Password.ToCharArray(), raised).Keys.Count);
            Assert.Equal((KeyBags + 2L) * Costly, raised.Spent);
        }

        [Fact]
        public void TheTestPkiFilesOpenWithTheDefault()
        {
            foreach (var user in _fixture.Pki.Users.Values.Where(u => File.Exists(u.Pkcs12Path)))
            {
                var budget = new Pkcs12WorkBudget(user.Pkcs12Path, InputLimits.Default.MaximumPkcs12Iterations);
                Assert.NotEmpty(Pkcs12Reader.Read(File.ReadAllBytes(user.Pkcs12Path), user.Pkcs12Path, _fixture.Pki.Password.ToCharArray(), budget).Keys);

                // Certificates, key and MAC at the PKI's 2,048 each.
                Assert.Equal(3 * 2048, budget.Spent);
            }
        }

        [Fact]
        public void WhatWeWriteAtTheMostIterationsOpensWithTheDefault()
        {
            var identity = CertificateFileReader.ReadFile(_fixture.Pki.Users["p256"].Pkcs12Path, Secure(_fixture.Pki.Password))
                .Single(e => e.KeyLocation == KeyLocation.File);
            var bytes = Pkcs12Writer.Write(identity, Secure(Password), iterations: Pkcs12Writer.MaxIterations);

            var budget = new Pkcs12WorkBudget("most.p12", InputLimits.Default.MaximumPkcs12Iterations);
            Assert.Single(Pkcs12Reader.Read(bytes, "most.p12", Password.ToCharArray(), budget).Keys);
            Assert.Equal(3L * Pkcs12Writer.MaxIterations, budget.Spent);
            Assert.Throws<ArgumentOutOfRangeException>(() => Pkcs12Writer.Write(identity, Secure(Password), iterations: Pkcs12Writer.MaxIterations + 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new IdentityExporter(new IdentityExportOptions { Iterations = Pkcs12Writer.MaxIterations + 1 }));
        }

        [Fact]
        public void TheLimitMustBePositive()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => (InputLimits.Default with { MaximumPkcs12Iterations = 0 }).Validated());
        }

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

        private static SecureString Secure(string text) => new NetworkCredential(string.Empty, text).SecurePassword;

        /// <summary>
        /// The p256 user's certificate in the clear and its key ten times, each shrouded at 200,000 PBKDF2 iterations,
        /// in a part of their own in the clear or inside a part encrypted at 200,000 too; a MAC at 200,000.
        /// </summary>
        private byte[] CostlyFile(bool encryptKeyBags)
        {
            using var certificate = _fixture.Pki.Users["p256"].GetCertificateWithPrivateKey();
            using var key = certificate.GetECDsaPrivateKey()!;
            var costly = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Costly);

            var certificates = new Pkcs12SafeContents();
            certificates.AddCertificate(certificate);
            var keys = new Pkcs12SafeContents();
            for (int i = 0; i < KeyBags; i++)
            {
                keys.AddShroudedKey(key, Password, costly);
            }

            var builder = new Pkcs12Builder();
            builder.AddSafeContentsUnencrypted(certificates);
            if (encryptKeyBags)
            {
                builder.AddSafeContentsEncrypted(keys, Password, costly);
            }
            else
            {
                builder.AddSafeContentsUnencrypted(keys);
            }

            builder.SealWithMac(Password, HashAlgorithmName.SHA256, Costly);
            return builder.Encode();
        }
    }
}
