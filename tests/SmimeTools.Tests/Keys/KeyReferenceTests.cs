using System;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.Certificates;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Keys
{
    /// <summary>
    /// Issue 11: a key reference on the entry is the way to a key. Each kind opens through PrivateKeys.Open, each source
    /// puts the right kind on its entries, and a certificate object handed out and given back opens the same key.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class KeyReferenceTests
    {
        private static readonly byte[] Data = { 1, 2, 3, 4 };

        private readonly TestPkiFixture _fixture;

        public KeyReferenceTests(TestPkiFixture fixture) => _fixture = fixture;

        private CertificateEntry FromPkcs12(string name) =>
            CertificateFileReader.ReadFile(_fixture.Pki.Users[name].Pkcs12Path, Pkcs12WriterTests.Secure(_fixture.Pki.Password))
                .Single(e => e.Certificate.Thumbprint == _fixture.Pki.Users[name].Thumbprint);

        [Theory]
        [InlineData(KeyLocation.Store)]
        [InlineData(KeyLocation.File)]
        public void AKeyDotNetHoldsOpensAsASoftwareKey(KeyLocation location)
        {
            var certificate = _fixture.Pki.Users["rsa2048"].GetCertificateWithPrivateKey();
            var reference = new DotNetKeyReference(certificate, location);
            Assert.Equal(location, reference.Location);
            using var key = PrivateKeys.Open(reference);
            var signature = key.Sign(Data, DigestAlgorithm.Sha256, SignatureAlgorithm.RsaPkcs1);
            Assert.True(certificate.GetRSAPublicKey()!.VerifyData(Data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }

        [Theory]
        [InlineData("rsa2048", true)]
        [InlineData("p256", true)]
        [InlineData("ed25519", false)]
        [InlineData("x25519", false)]
        public void AKeyReadFromPkcs12IsUsableWhetherOrNotDotNetHoldsIt(string name, bool dotNetHoldsIt)
        {
            var entry = FromPkcs12(name);
            Assert.Equal(KeyLocation.File, entry.KeyLocation);
            Assert.Equal(dotNetHoldsIt, entry.Key!.Certificate.HasPrivateKey);
            Assert.True(PrivateKeys.IsUsable(entry.Key));
            using var key = PrivateKeys.Open(entry.Key);
            Assert.NotNull(key);
        }

        [Fact]
        public void NoKeyIsNotUsable()
        {
            Assert.False(PrivateKeys.IsUsable(null));
            Assert.False(PrivateKeys.IsUsable(DotNetKeyReference.Of(_fixture.Pki.Users["rsa2048"].GetCertificate(), KeyLocation.Store)));
            Assert.True(PrivateKeys.IsUsable(DotNetKeyReference.Of(_fixture.Pki.Users["rsa2048"].GetCertificateWithPrivateKey(), KeyLocation.Store)));
        }

        [SkippableFact]
        public void ADsaKeyReadFromAFileIsHeldButNotUsable()
        {
            var corpus = Trust.TrustCorpus.Root();
            Skip.If(corpus == null, Trust.TrustCorpus.Absent);
            var file = System.IO.Path.Combine(corpus!, "openssl", "smime-certs", "smdsa1.pem");
            Skip.IfNot(System.IO.File.Exists(file), $"{file} is not in the corpus.");
            var entry = Assert.Single(CertificateFileReader.ReadFile(file, null));
            Assert.Equal(KeyLocation.File, entry.KeyLocation);
            Assert.False(entry.Certificate.HasPrivateKey);
            Assert.False(PrivateKeys.IsUsable(entry.Key));
        }

        [Fact]
        public void ACertificateWithoutADotNetKeyHasNoDotNetReference()
        {
            var certificate = _fixture.Pki.Users["rsa2048"].GetCertificate();
            Assert.Null(DotNetKeyReference.Of(certificate, KeyLocation.Store));
            Assert.Throws<ArgumentException>(() => new DotNetKeyReference(certificate, KeyLocation.Store));
            Assert.Throws<ArgumentOutOfRangeException>(() => new DotNetKeyReference(_fixture.Pki.Users["rsa2048"].GetCertificateWithPrivateKey(), KeyLocation.Token));
        }

        [Fact]
        public void AnEd25519KeyFromPkcs12OpensAndSigns()
        {
            var entry = FromPkcs12("ed25519");
            var reference = Assert.IsType<FileKeyReference>(entry.Key);
            Assert.Same(entry.Certificate, reference.Certificate);
            Assert.False(entry.Certificate.HasPrivateKey);
            using var key = PrivateKeys.Open(reference);
            var signature = key.Sign(Data, DigestAlgorithm.Sha512, SignatureAlgorithm.Ed25519);
            Assert.True(VerifiesEd25519(entry.Certificate, signature));
        }

        [Fact]
        public void AnX25519KeyFromPkcs12AgreesTheSameSecretAsItsPeer()
        {
            var entry = FromPkcs12("x25519");
            var reference = Assert.IsType<FileKeyReference>(entry.Key);
            var generator = new X25519KeyPairGenerator();
            generator.Init(new X25519KeyGenerationParameters(new SecureRandom()));
            var originator = generator.GenerateKeyPair();
            var originatorInfo = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(originator.Public).GetDerEncoded();

            var decryptor = PrivateKeys.Decryptor(reference);
            var secret = decryptor.Agree(originatorInfo);
            (decryptor as IDisposable)?.Dispose();

            var agreement = new X25519Agreement();
            agreement.Init(originator.Private);
            var expected = new byte[agreement.AgreementSize];
            agreement.CalculateAgreement(PublicKeyFactory.CreateKey(entry.Certificate.PublicKey.ExportSubjectPublicKeyInfo()), expected, 0);
            Assert.Equal(expected, secret);
        }

        [Theory]
        [InlineData("rsa2048")]
        [InlineData("p256")]
        public void AnRsaOrEcKeyFromAFileIsAlsoTheCertificatesDotNetKey(string name)
        {
            var entry = FromPkcs12(name);
            var reference = Assert.IsType<FileKeyReference>(entry.Key);
            Assert.Equal(KeyLocation.File, entry.KeyLocation);
            Assert.True(entry.Certificate.HasPrivateKey);
            Assert.True(KeyPairs.IsPairOf(reference.Key, _fixture.Pki.Users[name].PublicKey));
            using var key = PrivateKeys.Open(reference);
            Assert.IsType<SoftwareKey>(key);
        }

        [Fact]
        public void EveryFileSourceEntryCarriesItsKeyAndChainCertificatesNone()
        {
            var user = _fixture.Pki.Users["p256"];
            var fromPkcs12 = CertificateFileReader.ReadFile(user.Pkcs12Path, Pkcs12WriterTests.Secure(_fixture.Pki.Password));
            Assert.All(fromPkcs12, e => Assert.Equal(e.Certificate.Thumbprint == user.Thumbprint, e.Key is FileKeyReference));

            var fromPem = CertificateFileReader.ReadCertificateAndKey(user.CertificatePath, user.PrivateKeyPath, null);
            var identity = Assert.Single(fromPem, e => e.Key != null);
            Assert.IsType<FileKeyReference>(identity.Key);
            Assert.Same(identity.Certificate, identity.Key!.Certificate);

            Assert.All(CertificateFileReader.ReadFile(user.CertificatePath), e => Assert.Null(e.Key));
            Assert.All(new FileCertificateSource(user.Pkcs12Path, Pkcs12WriterTests.Secure(_fixture.Pki.Password)).Read(),
                e => Assert.Equal(e.Certificate.Thumbprint == user.Thumbprint, e.Key is FileKeyReference));
        }

        [Fact]
        public void ACollectionSourceKeepsTheReferencesItWasGiven()
        {
            var identity = TestEntries.Identity(_fixture.Pki.Users["rsa2048"], "pipeline");
            var source = new CertificateCollectionSource(new[] { identity, TestEntries.Public(_fixture.Pki.Users["rsa3072"], "pipeline") }, "pipeline");
            var entries = source.Read().ToList();
            Assert.Same(identity.Key, entries[0].Key);
            Assert.Null(entries[1].Key);
        }

        [Fact]
        public void AnEntryRefusesAReferenceToAnotherCertificateObject()
        {
            var reference = new DotNetKeyReference(_fixture.Pki.Users["rsa2048"].GetCertificateWithPrivateKey(), KeyLocation.Store);
            Assert.Throws<ArgumentException>(() => new CertificateEntry(_fixture.Pki.Users["rsa2048"].GetCertificate(), reference, "store"));
        }

        [Fact]
        public void ACertificateHandedOutAndGivenBackOpensTheSameKey()
        {
            // Ed25519 signatures are deterministic: the same key signs the same bytes the same way.
            var entry = FromPkcs12("ed25519");
            KeyReferences.Remember(entry.Key!);
            X509Certificate2 heldByTheCaller = entry.Certificate;

            var back = KeyReferences.OfCallerCertificate(heldByTheCaller, KeyLocation.File);
            Assert.Same(entry.Key, back);
            using var original = PrivateKeys.Open(entry.Key!);
            using var returned = PrivateKeys.Open(back!);
            Assert.Equal(original.Sign(Data, DigestAlgorithm.Sha512, SignatureAlgorithm.Ed25519), returned.Sign(Data, DigestAlgorithm.Sha512, SignatureAlgorithm.Ed25519));

            // The object carries the key, not the certificate: a fresh copy of it has none.
            using var copy = X509CertificateLoader.LoadCertificate(heldByTheCaller.RawData);
            Assert.Null(KeyReferences.OfCallerCertificate(copy, KeyLocation.File));
        }

        [Theory]
        [InlineData(KeyLocation.Store)]
        [InlineData(KeyLocation.File)]
        public void ACertificateNeverHandedOutIsItsOwnDotNetKeyOrNone(KeyLocation location)
        {
            var withKey = _fixture.Pki.Users["p256"].GetCertificateWithPrivateKey();
            var reference = Assert.IsType<DotNetKeyReference>(KeyReferences.OfCallerCertificate(withKey, location));
            Assert.Equal(location, reference.Location);
            Assert.Same(withKey, reference.Certificate);
            Assert.Null(KeyReferences.OfCallerCertificate(_fixture.Pki.Users["p256"].GetCertificate(), location));
        }

        private static bool VerifiesEd25519(X509Certificate2 certificate, byte[] signature)
        {
            var publicKey = (Ed25519PublicKeyParameters)PublicKeyFactory.CreateKey(certificate.PublicKey.ExportSubjectPublicKeyInfo());
            var verifier = new Ed25519Signer();
            verifier.Init(false, publicKey);
            verifier.BlockUpdate(Data, 0, Data.Length);
            return verifier.VerifySignature(signature);
        }
    }
}
