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
    /// <summary>What <see cref="Pkcs12Writer"/> writes reads back through our own reader, with the key that fits, in both protections.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class Pkcs12WriterTests : IDisposable
    {
        /// <summary>Tests use few iterations: the count is a parameter, and the reader handles any.</summary>
        internal const int FastIterations = 2048;

        private readonly TestPkiFixture _fixture;
        private readonly string _folder;

        public Pkcs12WriterTests(TestPkiFixture fixture)
        {
            _fixture = fixture;
            _folder = Path.Combine(fixture.Folder, "pkcs12-writer-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_folder);
        }

        internal static SecureString Secure(string text) => new NetworkCredential(string.Empty, text).SecurePassword;

        [Theory]
        [InlineData("rsa2048", Pkcs12Protection.Aes256Sha256)]
        [InlineData("rsa2048", Pkcs12Protection.Legacy)]
        [InlineData("p256", Pkcs12Protection.Aes256Sha256)]
        [InlineData("p384", Pkcs12Protection.Legacy)]
        [InlineData("ed25519", Pkcs12Protection.Aes256Sha256)]
        [InlineData("x25519", Pkcs12Protection.Legacy)]
        public void WhatWeWriteReadsBackWithItsKey(string name, Pkcs12Protection protection)
        {
            var user = _fixture.Pki.Users[name];
            var identity = Identity(name);
            var written = Path.Combine(_folder, $"{name}-{protection}.p12");
            File.WriteAllBytes(written, Pkcs12Writer.Write(identity, Secure("n3w pässword"), protection, iterations: FastIterations));

            var entries = CertificateFileReader.ReadFile(written, Secure("n3w pässword"));
            var back = Assert.Single(entries);
            Assert.Equal(user.Thumbprint, back.Certificate.Thumbprint);
            Assert.Equal(KeyLocation.File, back.KeyLocation);
            Assert.Equal(IdentityKeyExport.Pkcs8(identity), IdentityKeyExport.Pkcs8(back));
        }

        [Theory]
        [InlineData(Pkcs12Protection.Aes256Sha256, "2.16.840.1.101.3.4.2.1", "1.2.840.113549.1.5.13")]
        [InlineData(Pkcs12Protection.Legacy, "1.3.14.3.2.26", "1.2.840.113549.1.12.1.3")]
        public void TheFileUsesTheAskedAlgorithms(Pkcs12Protection protection, string macDigest, string keyScheme)
        {
            var bytes = Pkcs12Writer.Write(Identity("rsa2048"), Secure("secret"), protection, iterations: FastIterations);
            var pfx = Org.BouncyCastle.Asn1.Pkcs.Pfx.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(bytes));
            Assert.Equal(macDigest, pfx.MacData.Mac.DigestAlgorithm.Algorithm.Id);
            Assert.Equal(FastIterations, pfx.MacData.IterationCount.IntValue);
            var contents = Pkcs12Reader.Read(bytes, "memory", "secret".ToCharArray());
            Assert.True(contents.HasMac);
            var key = Assert.Single(contents.Keys);
            Assert.NotNull(key.Certificate);
            Assert.Equal("alice@example.com", key.FriendlyName);
            Assert.Equal(SHA1.HashData(key.Certificate!.GetEncoded()), key.LocalKeyId);
            Assert.Contains(keyScheme, DescribeBags(bytes));
        }

        [Theory]
        [InlineData("SHA1", "pässword", 24, 1)]
        [InlineData("SHA1", "", 20, 3)]
        [InlineData("SHA256", "secret", 32, 3)]
        [InlineData("SHA256", "a much longer password than one block of sixty-four bytes, really", 80, 1)]
        [InlineData("SHA384", "secret", 48, 3)]
        [InlineData("SHA512", "secret", 100, 2)]
        public void TheNativeKeyDerivationIsRfc7292AppendixB(string hash, string password, int length, byte id)
        {
            var salt = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
            var bytes = Org.BouncyCastle.Crypto.PbeParametersGenerator.Pkcs12PasswordToBytes(password.ToCharArray());
            var ours = Pkcs12Crypto.Pkcs12Kdf(new HashAlgorithmName(hash), bytes, salt, 1000, id, length);

            var generator = new Org.BouncyCastle.Crypto.Generators.Pkcs12ParametersGenerator(Org.BouncyCastle.Security.DigestUtilities.GetDigest(hash));
            generator.Init(bytes, salt, 1000);
            var parameters = id switch
            {
                1 => generator.GenerateDerivedParameters("AES", length * 8),
                2 => ((Org.BouncyCastle.Crypto.Parameters.ParametersWithIV)generator.GenerateDerivedParameters("AES", 8, length * 8)).Parameters,
                _ => generator.GenerateDerivedMacParameters(length * 8),
            };
            var theirs = id == 2
                ? ((Org.BouncyCastle.Crypto.Parameters.ParametersWithIV)generator.GenerateDerivedParameters("AES", 8, length * 8)).GetIV()
                : ((Org.BouncyCastle.Crypto.Parameters.KeyParameter)parameters).GetKey();
            Assert.Equal(Convert.ToHexString(theirs), Convert.ToHexString(ours));
        }

        [Fact]
        public void TheChainFollowsTheIdentity()
        {
            var identity = Identity("rsa2048");
            var chain = new IdentityExporter(new IdentityExportOptions()).ChainOf(identity.Certificate);
            var intermediate = Assert.Single(chain);
            Assert.Equal(_fixture.Pki.Intermediate.Thumbprint, intermediate.Thumbprint);

            var bytes = Pkcs12Writer.Write(identity, Secure("secret"), chain: chain, iterations: FastIterations);
            var contents = Pkcs12Reader.Read(bytes, "memory", "secret".ToCharArray());
            Assert.Equal(2, contents.Certificates.Count);
            Assert.Null(contents.Certificates[1].LocalKeyId);
        }

        [Fact]
        public void TheDefaultIterationCountIsWritten()
        {
            var bytes = Pkcs12Writer.Write(Identity("p256"), Secure("secret"));
            var pfx = Org.BouncyCastle.Asn1.Pkcs.Pfx.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(bytes));
            Assert.Equal(Pkcs12Writer.DefaultIterations, pfx.MacData.IterationCount.IntValue);
            Assert.Single(Pkcs12Reader.Read(bytes, "memory", "secret".ToCharArray()).Keys);
        }

        [Fact]
        public void AWrongPasswordIsBadPassword()
        {
            var written = Path.Combine(_folder, "wrong.p12");
            File.WriteAllBytes(written, Pkcs12Writer.Write(Identity("p256"), Secure("right"), iterations: FastIterations));
            Assert.Equal(ErrorIds.BadPassword, Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(written, Secure("wrong"))).ErrorId);
            Assert.Equal(ErrorIds.BadPassword, Assert.Throws<SmimeException>(() => CertificateFileReader.ReadFile(written)).ErrorId);
        }

        [Fact]
        public void AnEmptyPasswordIsRefused()
        {
            var error = Assert.Throws<SmimeException>(() => Pkcs12Writer.Write(Identity("p256"), new SecureString()));
            Assert.Equal(ErrorIds.BadPassword, error.ErrorId);
            Assert.Equal(SmimeErrorKind.InvalidArgument, error.Kind);
        }

        [Fact]
        public void ACertificateWithoutKeyIsNoPrivateKey()
        {
            using var certificate = _fixture.Pki.Users["rsa2048"].GetCertificate();
            Assert.Equal(ErrorIds.NoPrivateKey, Assert.Throws<SmimeException>(() => Pkcs12Writer.Write(new CertificateEntry(certificate, null, "test"), Secure("secret"))).ErrorId);
        }

        [Fact]
        public void AKeyThatMayNotLeaveIsKeyNotExportable()
        {
            using var certificate = _fixture.Pki.Users["rsa2048"].GetCertificate();
            using var key = new SealedRsa();
            var error = Assert.Throws<SmimeException>(() => IdentityKeyExport.Export(key, certificate));
            Assert.Equal(ErrorIds.KeyNotExportable, error.ErrorId);
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

        private CertificateEntry Identity(string name) =>
            CertificateFileReader.ReadFile(_fixture.Pki.Users[name].Pkcs12Path, Secure(_fixture.Pki.Password))
                .Single(e => e.KeyLocation == KeyLocation.File);

        /// <summary>The encryption scheme OIDs of the key bags, from openssl-free parsing of the structure.</summary>
        private static string DescribeBags(byte[] pfx)
        {
            var parsed = Org.BouncyCastle.Asn1.Pkcs.Pfx.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(pfx));
            var authSafe = Org.BouncyCastle.Asn1.Asn1OctetString.GetInstance(parsed.AuthSafe.Content).GetOctets();
            var result = new System.Text.StringBuilder();
            foreach (var part in Org.BouncyCastle.Asn1.Pkcs.AuthenticatedSafe.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(authSafe)).GetContentInfo())
            {
                if (part.ContentType.Equals(Org.BouncyCastle.Asn1.Pkcs.PkcsObjectIdentifiers.Data))
                {
                    var bags = Org.BouncyCastle.Asn1.Asn1Sequence.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(
                        Org.BouncyCastle.Asn1.Asn1OctetString.GetInstance(part.Content).GetOctets()));
                    foreach (var bag in bags)
                    {
                        var shrouded = Org.BouncyCastle.Asn1.Pkcs.EncryptedPrivateKeyInfo.GetInstance(Org.BouncyCastle.Asn1.Pkcs.SafeBag.GetInstance(bag).BagValueEncodable);
                        result.Append(shrouded.EncryptionAlgorithm.Algorithm.Id).Append(' ');
                    }
                }
            }

            return result.ToString();
        }

        /// <summary>An RSA key that refuses every export, as a smart card or a Windows non-exportable key does.</summary>
        private sealed class SealedRsa : RSA
        {
            public override RSAParameters ExportParameters(bool includePrivateParameters) => throw new CryptographicException("The key is not exportable.");

            public override void ImportParameters(RSAParameters parameters) => throw new NotSupportedException();

            public override byte[] ExportPkcs8PrivateKey() => throw new CryptographicException("The key is not exportable.");

            public override byte[] ExportEncryptedPkcs8PrivateKey(ReadOnlySpan<char> password, PbeParameters pbeParameters) =>
                throw new CryptographicException("The key is not exportable.");

            public override byte[] ExportEncryptedPkcs8PrivateKey(ReadOnlySpan<byte> passwordBytes, PbeParameters pbeParameters) =>
                throw new CryptographicException("The key is not exportable.");
        }
    }
}
