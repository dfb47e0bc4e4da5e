using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using SmimeTools.Engine.Trust;
using Xunit;

namespace SmimeTools.Tests.Trust
{
    /// <summary>Certificate signatures by algorithm: RSA PKCS#1 and PSS verify; SHA-1 is a warning, MD5 an error unless allowed; a tampered signature fails.</summary>
    public sealed class SignatureAlgorithmTests
    {
        private static readonly Lazy<AsymmetricCipherKeyPair> RootKey = new(() =>
        {
            using var rsa = RSA.Create(2048);
            return DotNetUtilities.GetRsaKeyPair(rsa);
        });

        [Theory]
        [InlineData("SHA256WITHRSA")]
        [InlineData("SHA384WITHRSA")]
        [InlineData("SHA256WITHRSAANDMGF1")]
        [InlineData("SHA512WITHRSAANDMGF1")]
        public void StrongRsaSignaturesVerify(string algorithm)
        {
            var (root, user) = Issue(algorithm);
            var result = PathValidator.Validate(user, Options(root));
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            Assert.False(result.HasWeakAlgorithm);
        }

        [Fact]
        public void Sha1IsAWarning()
        {
            var (root, user) = Issue("SHA1WITHRSA");
            var result = PathValidator.Validate(user, Options(root));
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            Assert.Contains(result.Problems, p => p.Code == TrustProblemCode.WeakAlgorithm && !p.IsError && p.Message.Contains("SHA-1", StringComparison.Ordinal));
        }

        [Fact]
        public void Md5IsAnErrorUnlessWeakAlgorithmsAreAllowed()
        {
            var (root, user) = Issue("MD5WITHRSA");
            var options = Options(root);
            Assert.Equal(TrustProblemCode.WeakAlgorithm, PathValidator.Validate(user, options).Status);
            options.AllowWeakAlgorithms = true;
            Assert.True(PathValidator.Validate(user, options).IsValid);
        }

        [Fact]
        public void ATamperedSignatureFails()
        {
            var (root, user) = Issue("SHA256WITHRSA");
            byte[] der = user.RawData;
            der[^5] ^= 0x01;
            var result = PathValidator.Validate(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(der), Options(root));
            Assert.Equal(TrustProblemCode.InvalidSignature, result.Status);
        }

        private static ValidationOptions Options(System.Security.Cryptography.X509Certificates.X509Certificate2 root)
        {
            var options = new ValidationOptions { RevocationMode = RevocationMode.None };
            options.TrustedRoots.Add(root);
            return options;
        }

        private static (System.Security.Cryptography.X509Certificates.X509Certificate2 Root, System.Security.Cryptography.X509Certificates.X509Certificate2 User) Issue(string algorithm)
        {
            var key = RootKey.Value;
            var rootName = MiniCa.DnOf("RSA Root");
            var root = new X509V3CertificateGenerator();
            root.SetSerialNumber(BigInteger.One);
            root.SetIssuerDN(rootName);
            root.SetSubjectDN(rootName);
            root.SetNotBefore(DateTime.UtcNow.AddDays(-1));
            root.SetNotAfter(DateTime.UtcNow.AddYears(1));
            root.SetPublicKey(key.Public);
            root.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
            var rootCertificate = root.Generate(new Asn1SignatureFactory("SHA256WITHRSA", key.Private));

            var userKey = MiniCa.NewKey();
            var user = new X509V3CertificateGenerator();
            user.SetSerialNumber(BigInteger.Two);
            user.SetIssuerDN(rootName);
            user.SetSubjectDN(MiniCa.DnOf("RSA-signed user"));
            user.SetNotBefore(DateTime.UtcNow.AddDays(-1));
            user.SetNotAfter(DateTime.UtcNow.AddYears(1));
            user.SetPublicKey(userKey.Public);
            var userCertificate = user.Generate(new Asn1SignatureFactory(algorithm, key.Private));
            return (MiniCa.ToDotNet(rootCertificate), MiniCa.ToDotNet(userCertificate));
        }
    }
}
