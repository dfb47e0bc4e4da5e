using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using SmimeTools.Engine.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;
using BcContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using BcSignedData = Org.BouncyCastle.Asn1.Cms.SignedData;

namespace SmimeTools.Tests.Cms
{
    /// <summary>
    /// Certificates from untrusted bytes are certificates only: .NET's byte[] constructor would open a PKCS#12 file
    /// without a password there, running its key derivation (600,000 iterations each, for any number of them).
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class DerCertificateTests
    {
        private readonly TestPkiFixture _fixture;

        public DerCertificateTests(TestPkiFixture fixture) => _fixture = fixture;

        [Fact]
        public void ACertificateLoadsAndAPkcs12FileDoesNot()
        {
            using var certificate = _fixture.Pki.Users["rsa2048"].GetCertificate();
            using var loaded = DerCertificate.Load(certificate.RawData);
            Assert.Equal(certificate.Thumbprint, loaded.Thumbprint);

            var pfx = PasswordlessPkcs12(certificate);
#pragma warning disable SYSLIB0057 // What the engine no longer does: the constructor takes the PKCS#12 file.
            using (var sniffed = new X509Certificate2(pfx))
            {
                Assert.Equal(certificate.Thumbprint, sniffed.Thumbprint);
            }
#pragma warning restore SYSLIB0057
            Assert.Throws<CryptographicException>(() => DerCertificate.Load(pfx));
        }

        [Fact]
        public void APkcs12FileInTheCertificatesOfASignedMessageIsNoCertificate()
        {
            using var signer = _fixture.Pki.Users["rsa2048"].GetCertificateWithPrivateKey();
            var cms = new SignedCms(new ContentInfo(new byte[] { 1, 2, 3 }), detached: false);
            cms.ComputeSignature(new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, signer) { IncludeOption = X509IncludeOption.EndCertOnly });

            // The same SignedData with a PKCS#12 file beside the signer's certificate in its certificate set.
            var signedData = BcSignedData.GetInstance(BcContentInfo.GetInstance(Asn1Object.FromByteArray(cms.Encode())).Content);
            using var other = _fixture.Pki.Users["p256"].GetCertificate();
            var certificates = new DerSet(signedData.Certificates[0], Asn1Object.FromByteArray(PasswordlessPkcs12(other)));
            var crafted = new BcContentInfo(Org.BouncyCastle.Asn1.Cms.CmsObjectIdentifiers.SignedData,
                new BcSignedData(signedData.DigestAlgorithms, signedData.EncapContentInfo, certificates, null, signedData.SignerInfos)).GetEncoded(Asn1Encodable.Der);

            var result = SignedDataReader.ReadEncapsulated(new MemoryStream(crafted), Stream.Null);

            var only = Assert.Single(result.Certificates);
            Assert.Equal(signer.Thumbprint, only.Thumbprint);
            Assert.DoesNotContain(result.Certificates, c => c.Thumbprint == other.Thumbprint);
        }

        private static byte[] PasswordlessPkcs12(X509Certificate2 certificate)
        {
            var contents = new Pkcs12SafeContents();
            contents.AddCertificate(certificate);
            var builder = new Pkcs12Builder();
            builder.AddSafeContentsUnencrypted(contents);
            builder.SealWithMac(string.Empty, HashAlgorithmName.SHA256, 2048);
            return builder.Encode();
        }
    }
}
