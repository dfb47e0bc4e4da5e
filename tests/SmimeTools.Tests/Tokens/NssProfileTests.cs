using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Engine.Tokens;
using SmimeTools.Tests.Interop;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Tokens
{
    /// <summary>
    /// A Thunderbird-style NSS profile (cert9.db, key4.db made by certutil and pk12util) read through NSS's softokn
    /// PKCS#11 module, its configuration passed in C_Initialize's pReserved: the identities come out with KeyLocation
    /// Token and sign and decrypt there. Skips with the reason when NSS or its tools are absent.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class NssProfileTests : IClassFixture<ClassScoped<NssDatabase>>
    {
        private readonly TestPkiFixture _fixture;
        private readonly ClassScoped<NssDatabase> _database;

        public NssProfileTests(TestPkiFixture fixture, ClassScoped<NssDatabase> database)
        {
            _fixture = fixture;
            _database = database;
        }

        /// <summary>The class's profile folder, holding the rsa2048 and p256 identities.</summary>
        private string Profile()
        {
            Skip.If(NssSoftoken.FindLibrary() == null, "NSS's libsoftokn3 is not installed (on Debian: apt-get install libnss3)");
            return _database.Get(() =>
            {
                var database = new NssDatabase();
                foreach (var name in new[] { "rsa2048", "p256" })
                {
                    database.ImportPkcs12(_fixture.Pki.Users[name].Pkcs12Path, _fixture.Pki.Password);
                }

                return database;
            }).Folder;
        }

        private List<CertificateEntry> Read(bool withPin = true) =>
            Pkcs11CertificateSource.ForNssProfile(Profile(), pin: withPin ? TokenPin.FromText(NssDatabase.Password) : null).Read().ToList();

        [SkippableFact]
        public void TheProfileIdentitiesAreTokenIdentities()
        {
            var entries = Read();
            foreach (var name in new[] { "rsa2048", "p256" })
            {
                var entry = entries.Single(e => string.Equals(e.Certificate.Thumbprint, _fixture.Pki.Users[name].Thumbprint, StringComparison.OrdinalIgnoreCase));
                Assert.Equal(KeyLocation.Token, entry.KeyLocation);
            }
        }

        [SkippableTheory]
        [InlineData("rsa2048", SignatureAlgorithm.RsaPkcs1)]
        [InlineData("rsa2048", SignatureAlgorithm.RsaPss)]
        [InlineData("p256", SignatureAlgorithm.Ecdsa)]
        public void TheProfileKeysSign(string name, SignatureAlgorithm algorithm)
        {
            var entry = Read().Single(e => string.Equals(e.Certificate.Thumbprint, _fixture.Pki.Users[name].Thumbprint, StringComparison.OrdinalIgnoreCase));
            using var key = PrivateKeys.Open(entry.Key!);
            var data = RandomNumberGenerator.GetBytes(100);
            var signature = key.Sign(data, DigestAlgorithm.Sha256, algorithm);
            var valid = algorithm == SignatureAlgorithm.Ecdsa
                ? entry.Certificate.GetECDsaPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
                : entry.Certificate.GetRSAPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256,
                    algorithm == SignatureAlgorithm.RsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
            Assert.True(valid);
        }

        [SkippableFact]
        public void TheProfileKeysDecrypt()
        {
            var rsaEntry = Read().Single(e => string.Equals(e.Certificate.Thumbprint, _fixture.Pki.Users["rsa2048"].Thumbprint, StringComparison.OrdinalIgnoreCase));
            var secret = RandomNumberGenerator.GetBytes(32);
            using var key = PrivateKeys.Open(rsaEntry.Key!);
            Assert.Equal(secret, key.DecryptKey(rsaEntry.Certificate.GetRSAPublicKey()!.Encrypt(secret, RSAEncryptionPadding.Pkcs1), RSAEncryptionPadding.Pkcs1));

            var ecEntry = Read().Single(e => string.Equals(e.Certificate.Thumbprint, _fixture.Pki.Users["p256"].Thumbprint, StringComparison.OrdinalIgnoreCase));
            using var sender = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            using var recipient = ecEntry.Certificate.GetECDiffieHellmanPublicKey()!;
            using var ecKey = PrivateKeys.Open(ecEntry.Key!);
            Assert.Equal(sender.DeriveRawSecretAgreement(recipient.PublicKey), ecKey.Agree(sender.ExportSubjectPublicKeyInfo()));
        }

        [SkippableFact]
        public void AWrongProfilePasswordIsTokenLoginFailedAndAFolderWithoutDatabasesIsNotAProfile()
        {
            var profile = Profile();
            var wrong = Assert.Throws<SmimeException>(() => Pkcs11CertificateSource.ForNssProfile(profile, pin: TokenPin.FromText("wrong")).Read().ToList());
            Assert.Equal(ErrorIds.TokenLoginFailed, wrong.ErrorId);

            var empty = Assert.Throws<SmimeException>(() => Pkcs11CertificateSource.ForNssProfile(_fixture.Folder));
            Assert.Equal(ErrorIds.PathNotFound, empty.ErrorId);
        }
    }
}
