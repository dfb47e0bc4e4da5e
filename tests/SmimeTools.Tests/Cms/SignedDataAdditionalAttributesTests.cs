using System;
using System.IO;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimeTools.Engine.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Cms
{
    /// <summary>SigningOptions.AdditionalSignedAttributes (what SCEP's messageType, transactionID and nonces ride in).</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class SignedDataAdditionalAttributesTests
    {
        private readonly TestPkiFixture _fixture;

        public SignedDataAdditionalAttributesTests(TestPkiFixture fixture) => _fixture = fixture;

        [Fact]
        public void AdditionalAttributesAreSignedAndTheSignatureVerifies()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(new byte[] { 1, 2, 3 }), encoded, new SigningOptions
            {
                Key = key,
                AdditionalSignedAttributes = new (string, byte[])[]
                {
                    ("2.16.840.1.113733.1.9.2", new DerPrintableString("19").GetDerEncoded()),
                    ("2.16.840.1.113733.1.9.5", new DerOctetString(new byte[16]).GetDerEncoded()),
                },
            });

            var result = SignedDataReader.ReadEncapsulated(new MemoryStream(encoded.ToArray()), new MemoryStream());
            var signer = Assert.Single(result.Signers);
            Assert.True(signer.IsValid, signer.Problem);
            Assert.Contains("2.16.840.1.113733.1.9.2", signer.SignedAttributeOids);

            var signedData = SignedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(encoded.ToArray())).Content);
            var attributes = SignerInfo.GetInstance(signedData.SignerInfos[0]).SignedAttrs.Cast<Asn1Encodable>().Select(Org.BouncyCastle.Asn1.Cms.Attribute.GetInstance).ToList();
            var messageType = attributes.Single(a => a.AttrType.Id == "2.16.840.1.113733.1.9.2");
            Assert.Equal("19", ((DerPrintableString)messageType.AttrValues[0]).GetString());
        }

        [Fact]
        public void AnAttributeTheBuilderWritesItselfIsRefused()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            Assert.Throws<ArgumentException>(() => SignedDataBuilder.WriteEncapsulated(new MemoryStream(new byte[] { 1 }), new MemoryStream(), new SigningOptions
            {
                Key = key,
                AdditionalSignedAttributes = new (string, byte[])[] { (CmsAttributes.MessageDigest.Id, new DerOctetString(new byte[32]).GetDerEncoded()) },
            }));
        }
    }
}
