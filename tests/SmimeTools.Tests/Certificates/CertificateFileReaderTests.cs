using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class CertificateFileReaderTests
    {
        private readonly TestPkiFixture _fixture;

        public CertificateFileReaderTests(TestPkiFixture fixture) => _fixture = fixture;

        private SecureString Password => new NetworkCredential(string.Empty, _fixture.Pki.Password).SecurePassword;

        [Fact]
        public void PemAndDerGiveTheSameCertificateWithoutKey()
        {
            var alice = _fixture.Pki.Users["rsa2048"];
            var pem = Assert.Single(CertificateFileReader.ReadFile(alice.CertificatePath));
            var der = Assert.Single(CertificateFileReader.ReadFile(alice.CertificateDerPath));
            Assert.Equal(alice.Thumbprint, pem.Certificate.Thumbprint);
            Assert.Equal(pem.Certificate.Thumbprint, der.Certificate.Thumbprint);
            Assert.Equal(KeyLocation.None, pem.KeyLocation);
            Assert.False(pem.Certificate.HasPrivateKey);
            Assert.Equal(alice.CertificatePath, pem.Source);
        }

        [Theory]
        [InlineData("rsa2048")]
        [InlineData("rsa3072")]
        [InlineData("p256")]
        [InlineData("p384")]
        public void Pkcs12GivesAWorkingKeyForItsCertificate(string name)
        {
            var user = _fixture.Pki.Users[name];
            var entries = CertificateFileReader.ReadFile(user.Pkcs12Path, Password);
            var identity = Assert.Single(entries, e => e.Certificate.Thumbprint == user.Thumbprint);
            Assert.Equal(KeyLocation.File, identity.KeyLocation);
            Assert.True(identity.Certificate.HasPrivateKey);

            var data = new byte[] { 1, 2, 3, 4 };
            if (user.KeyAlgorithm == "RSA")
            {
                var signature = identity.Certificate.GetRSAPrivateKey()!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                Assert.True(identity.Certificate.GetRSAPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            }
            else
            {
                var signature = identity.Certificate.GetECDsaPrivateKey()!.SignData(data, HashAlgorithmName.SHA256);
                Assert.True(identity.Certificate.GetECDsaPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256));
            }

            // The chain certificates in the file come out too, without keys.
            Assert.Contains(entries, e => e.Certificate.Thumbprint == _fixture.Pki.Intermediate.Thumbprint && e.KeyLocation == KeyLocation.None);
        }

        [Theory]
        [InlineData("ed25519")]
        [InlineData("x25519")]
        public void KeysDotNetCannotHoldAreKeptForTheEngine(string name)
        {
            var user = _fixture.Pki.Users[name];
            var identity = CertificateFileReader.ReadFile(user.Pkcs12Path, Password).Single(e => e.Certificate.Thumbprint == user.Thumbprint);
            Assert.Equal(KeyLocation.File, identity.KeyLocation);
            var read = Assert.IsType<FileKeyReference>(identity.Key);
            Assert.True(KeyPairs.IsPairOf(read.Key, user.PublicKey));
        }

        [Fact]
        public void WrongOrMissingPasswordIsBadPassword()
        {
            var path = _fixture.Pki.Users["rsa2048"].Pkcs12Path;
            var wrong = new NetworkCredential(string.Empty, "not-it").SecurePassword;
            Assert.Equal(ErrorIds.BadPassword, Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(path, wrong)).ErrorId);
            Assert.Equal(ErrorIds.BadPassword, Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(path)).ErrorId);
            var encryptedKey = _fixture.Pki.Users["p256"].EncryptedPrivateKeyPath;
            Assert.Equal(ErrorIds.BadPassword, Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(encryptedKey, wrong)).ErrorId);
        }

        [Fact]
        public void Pkcs7BundleGivesEveryCertificate()
        {
            var entries = CertificateFileReader.ReadFile(_fixture.Pki.BundleP7bPath);
            Assert.Equal(
                new[] { _fixture.Pki.Intermediate.Thumbprint, _fixture.Pki.Root.Thumbprint }.OrderBy(t => t),
                entries.Select(e => e.Certificate.Thumbprint).OrderBy(t => t));
        }

        [Theory]
        [InlineData("not a certificate at all")]
        [InlineData("-----BEGIN CERTIFICATE-----\nAAAA!!!!\n-----END CERTIFICATE-----\n")]
        public void GarbageIsUnreadable(string content)
        {
            var path = Path.Combine(_fixture.Folder, "garbage-" + Guid.NewGuid().ToString("N") + ".crt");
            File.WriteAllText(path, content);
            var error = Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(path));
            Assert.Equal(ErrorIds.UnreadableCertificateFile, error.ErrorId);
            Assert.Equal(path, error.Target);
        }

        [Fact]
        public void TruncatedDerIsUnreadable()
        {
            var der = File.ReadAllBytes(_fixture.Pki.Users["rsa2048"].CertificateDerPath);
            var path = Path.Combine(_fixture.Folder, "truncated-" + Guid.NewGuid().ToString("N") + ".cer");
            File.WriteAllBytes(path, der.AsSpan(0, der.Length / 2).ToArray());
            Assert.Equal(ErrorIds.UnreadableCertificateFile, Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(path)).ErrorId);
        }

        [Fact]
        public void KeyOnlyFileHasNoCertificate()
        {
            var error = Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(_fixture.Pki.Users["rsa2048"].PrivateKeyPath));
            Assert.Equal(ErrorIds.NoCertificateInFile, error.ErrorId);
        }
    }
}
