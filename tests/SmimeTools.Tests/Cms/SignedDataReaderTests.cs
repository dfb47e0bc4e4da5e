using System;
using System.IO;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Cms
{
    /// <summary>Damaged, truncated and unexpected input: always a MalformedMessage error, never a raw exception.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class SignedDataReaderTests
    {
        private readonly TestPkiFixture _fixture;

        public SignedDataReaderTests(TestPkiFixture fixture) => _fixture = fixture;

        [Fact]
        public void EveryTruncationOfAnEncapsulatedSignatureIsMalformed()
        {
            var encoded = Encapsulated("p256", 3000);
            for (int length = 0; length < encoded.Length; length++)
            {
                var e = Assert.Throws<SmimeException>(() => SignedDataReader.ReadEncapsulated(new MemoryStream(encoded, 0, length), Stream.Null));
                Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
            }
        }

        [Fact]
        public void EveryTruncationOfADetachedSignatureIsMalformed()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(new byte[7]), new SigningOptions { Key = key });
            for (int length = 0; length < signature.Length; length++)
            {
                var e = Assert.Throws<SmimeException>(() => SignedDataReader.ReadDetached(signature.AsSpan(0, length).ToArray(), new MemoryStream(new byte[7])));
                Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
            }
        }

        [Fact]
        public void CorruptedBytesGiveAResultOrMalformedMessageNeverAnotherException()
        {
            var encoded = Encapsulated("rsa2048", 600);
            var random = new Random(20240611);
            int malformed = 0;
            int invalid = 0;
            for (int i = 0; i < 1500; i++)
            {
                var copy = (byte[])encoded.Clone();
                int flips = 1 + random.Next(3);
                for (int f = 0; f < flips; f++)
                {
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                }

                try
                {
                    var result = SignedDataReader.ReadEncapsulated(new MemoryStream(copy), Stream.Null);
                    if (!result.AllSignersValid)
                    {
                        invalid++;
                    }
                }
                catch (SmimeException e)
                {
                    Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
                    malformed++;
                }
            }

            // Flips in certificate bytes or unused fields may leave the signature intact; most must be caught.
            Assert.True(malformed + invalid > 1000, $"malformed {malformed}, invalid {invalid}");
        }

        [Fact]
        public void NotCmsIsMalformed()
        {
            var e = Assert.Throws<SmimeException>(() => SignedDataReader.ReadEncapsulated(
                new MemoryStream(Encoding.ASCII.GetBytes("From: someone\r\nSubject: not CMS\r\n\r\nHello")), Stream.Null));
            Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);

            e = Assert.Throws<SmimeException>(() => SignedDataReader.ReadDetached(Array.Empty<byte>(), new MemoryStream()));
            Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
        }

        [Fact]
        public void OtherCmsTypesAreNamed()
        {
            var compressed = new MemoryStream();
            CompressedDataWriter.Write(new MemoryStream(new byte[10]), compressed);
            var e = Assert.Throws<SmimeException>(() => SignedDataReader.ReadEncapsulated(new MemoryStream(compressed.ToArray()), Stream.Null));
            Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
            Assert.Contains("CompressedData", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ADetachedSignatureCannotBeReadAsEncapsulated()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "p256");
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(new byte[7]), new SigningOptions { Key = key });
            var e = Assert.Throws<SmimeException>(() => SignedDataReader.ReadEncapsulated(new MemoryStream(signature), Stream.Null));
            Assert.Equal(ErrorIds.MalformedMessage, e.ErrorId);
        }

        [Fact]
        public void AnEncapsulatedSignatureReadAsDetachedIsCheckedAgainstTheGivenContent()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "p256");
            var content = SigningTestKeys.SampleContent(100);
            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(content), encoded, new SigningOptions { Key = key });

            Assert.True(SignedDataReader.ReadDetached(encoded.ToArray(), new MemoryStream(content)).AllSignersValid);
            var other = Assert.Single(SignedDataReader.ReadDetached(encoded.ToArray(), new MemoryStream(new byte[100])).Signers);
            Assert.Equal(SignerStatus.DigestMismatch, other.Status);
        }

        [Fact]
        public void DefiniteLengthDerFromOtherSignersIsReadToo()
        {
            // Re-encode our BER output as DER (definite lengths, one primitive OCTET STRING): what many signers write.
            var encoded = Encapsulated("rsa3072", 5000);
            var der = Asn1Object.FromByteArray(encoded).GetEncoded(Asn1Encodable.Der);
            Assert.NotEqual(0x80, der[1]);
            var output = new MemoryStream();
            var result = SignedDataReader.ReadEncapsulated(new ForwardOnlyStream(new MemoryStream(der)), output);
            Assert.True(result.AllSignersValid);
            Assert.Equal(SigningTestKeys.SampleContent(5000), output.ToArray());
        }

        [Fact]
        public void ContentTypeAttributeMustMatch()
        {
            // A SignerInfo whose contentType attribute names id-signedData over id-data content.
            var key = SigningTestKeys.Load(_fixture.Pki, "p256");
            var content = new byte[] { 1, 2, 3 };
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(content), new SigningOptions { Key = key });
            var contentInfo = ContentInfo.GetInstance(Asn1Object.FromByteArray(signature));
            var signedData = SignedData.GetInstance(contentInfo.Content);
            var changed = new SignedData(
                signedData.DigestAlgorithms,
                new ContentInfo(CmsObjectIdentifiers.EnvelopedData, null),
                signedData.Certificates,
                null,
                signedData.SignerInfos);
            var bytes = new ContentInfo(CmsObjectIdentifiers.SignedData, changed).GetEncoded(Asn1Encodable.Der);
            var result = SignedDataReader.ReadDetached(bytes, new MemoryStream(content));
            Assert.Equal(CmsOid.EnvelopedData, result.ContentType);
            var signer = Assert.Single(result.Signers);
            Assert.Equal(SignerStatus.MalformedSignerInfo, signer.Status);
            Assert.True(signer.SignatureVerified);
        }

        [Fact]
        public void ProbeTellsKindsApartAndGivesEveryByteBack()
        {
            var signed = Encapsulated("p256", 1000);
            var compressed = new MemoryStream();
            CompressedDataWriter.Write(new MemoryStream(new byte[1000]), compressed);
            var der = Asn1Object.FromByteArray(signed).GetEncoded(Asn1Encodable.Der);

            Assert.Equal(CmsContentKind.SignedData, CmsContentKindProbe.Identify(signed));
            Assert.Equal(CmsContentKind.SignedData, CmsContentKindProbe.Identify(der));
            Assert.Equal(CmsContentKind.CompressedData, CmsContentKindProbe.Identify(compressed.ToArray()));
            Assert.Equal(CmsContentKind.Unknown, CmsContentKindProbe.Identify(Encoding.ASCII.GetBytes("Content-Type: text/plain")));
            Assert.Equal(CmsContentKind.Unknown, CmsContentKindProbe.Identify(ReadOnlySpan<byte>.Empty));
            Assert.Equal(CmsContentKind.EnvelopedData, CmsContentKindProbe.Identify(new ContentInfo(CmsObjectIdentifiers.EnvelopedData, DerNull.Instance).GetEncoded()));
            Assert.Equal(CmsContentKind.AuthEnvelopedData, CmsContentKindProbe.Identify(new ContentInfo(CmsObjectIdentifiers.AuthEnvelopedData, DerNull.Instance).GetEncoded()));
            Assert.Equal(CmsContentKind.Data, CmsContentKindProbe.Identify(new ContentInfo(CmsObjectIdentifiers.Data, DerNull.Instance).GetEncoded()));

            // Non-seekable: a replay stream that yields every byte; the result still verifies.
            var (kind, content) = CmsContentKindProbe.Identify(new ForwardOnlyStream(new MemoryStream(signed)));
            Assert.Equal(CmsContentKind.SignedData, kind);
            var output = new MemoryStream();
            Assert.True(SignedDataReader.ReadEncapsulated(content, output).AllSignersValid);
            Assert.Equal(1000, output.Length);

            // Seekable: the same stream, moved back.
            var seekable = new MemoryStream(signed);
            seekable.Position = 0;
            var (seekKind, same) = CmsContentKindProbe.Identify(seekable);
            Assert.Equal(CmsContentKind.SignedData, seekKind);
            Assert.Same(seekable, same);
            Assert.Equal(0, same.Position);

            // Shorter than the peek: still all there.
            var (tinyKind, tiny) = CmsContentKindProbe.Identify(new ForwardOnlyStream(new MemoryStream(new byte[] { 0x30, 0x03 })));
            Assert.Equal(CmsContentKind.Unknown, tinyKind);
            var rest = new MemoryStream();
            tiny.CopyTo(rest);
            Assert.Equal(new byte[] { 0x30, 0x03 }, rest.ToArray());
        }

        [Fact]
        public void ADigestMissingFromDigestAlgorithmsIsStillComputedFromTheReplay()
        {
            // digestAlgorithms announces SHA-512 only while the signer used SHA-256: small content is kept for a second look.
            var key = SigningTestKeys.Load(_fixture.Pki, "p256");
            var content = SigningTestKeys.SampleContent(2000);
            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(content), encoded, new SigningOptions { Key = key, Digest = DigestAlgorithm.Sha256 });
            var der = Asn1Object.FromByteArray(encoded.ToArray()).GetEncoded(Asn1Encodable.Der);
            var sha256 = new DerObjectIdentifier(CmsOid.Sha256).GetEncoded();
            var sha512 = new DerObjectIdentifier(CmsOid.Sha512).GetEncoded();
            int at = der.AsSpan().IndexOf(sha256);
            sha512.CopyTo(der, at);

            var result = SignedDataReader.ReadEncapsulated(new ForwardOnlyStream(new MemoryStream(der)), Stream.Null);
            Assert.Equal(CmsOid.Sha512, Assert.Single(result.DigestAlgorithmOids));
            Assert.True(result.AllSignersValid, result.Signers[0].Problem);
        }

        [Fact]
        public void Ed25519WithoutSignedAttributesNeedsTheContentAgain()
        {
            var user = _fixture.Pki.Users["ed25519"];
            var large = SigningTestKeys.SampleContent(SignedDataReader.ReplayLimit + 4096);
            var encapsulated = WithoutSignedAttributes("ed25519", large, detached: false);

            // Larger than the replay: read again from a seekable output...
            var seekable = new MemoryStream();
            var again = Assert.Single(SignedDataReader.ReadEncapsulated(new ForwardOnlyStream(new MemoryStream(encapsulated)), seekable).Signers);
            Assert.True(again.IsValid, again.Problem);
            Assert.False(again.HasSignedAttributes);
            Assert.Null(again.MessageDigestMatches);
            Assert.Equal(large, seekable.ToArray());

            // ...but not from one that cannot seek: said plainly, not guessed.
            var lost = Assert.Single(SignedDataReader.ReadEncapsulated(new MemoryStream(encapsulated), new ForwardOnlyStream(Stream.Null)).Signers);
            Assert.Equal(SignerStatus.ContentUnavailable, lost.Status);
            Assert.False(lost.SignatureVerified);

            // Small content is replayed from memory.
            var small = SigningTestKeys.SampleContent(1000);
            var replayed = Assert.Single(SignedDataReader.ReadEncapsulated(new MemoryStream(WithoutSignedAttributes("ed25519", small, detached: false)), new ForwardOnlyStream(Stream.Null)).Signers);
            Assert.True(replayed.IsValid, replayed.Problem);

            // Detached: the reader knows before the content comes that it needs it whole.
            var detached = WithoutSignedAttributes("ed25519", large, detached: true);
            var whole = Assert.Single(SignedDataReader.ReadDetached(detached, new ForwardOnlyStream(new MemoryStream(large))).Signers);
            Assert.True(whole.IsValid, whole.Problem);
            large[10] ^= 1;
            Assert.Equal(SignerStatus.BadSignature, Assert.Single(SignedDataReader.ReadDetached(detached, new MemoryStream(large)).Signers).Status);
            Assert.Equal(user.Thumbprint, whole.Certificate!.Thumbprint);
        }

        [Theory]
        [InlineData("rsa2048")]
        [InlineData("p256")]
        public void WithoutSignedAttributesTheSignatureCoversTheContentDigest(string name)
        {
            var content = SigningTestKeys.SampleContent(5000);
            var signature = WithoutSignedAttributes(name, content, detached: true);
            var signer = Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(content)).Signers);
            Assert.True(signer.IsValid, signer.Problem);
            Assert.False(signer.HasSignedAttributes);
            Assert.Null(signer.MessageDigestMatches);
            Assert.Null(signer.SigningTime);

            content[0] ^= 1;
            var changed = Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(content)).Signers);
            Assert.Equal(SignerStatus.BadSignature, changed.Status);
        }

        [Fact]
        public void OldRsaFormsAreVerified()
        {
            // SHA-224 (which .NET cannot verify) and a DigestInfo without its NULL (some old signers): re-encoding checks both.
            var user = _fixture.Pki.Users["rsa2048"];
            var content = SigningTestKeys.SampleContent(700);
            var sha224 = new Org.BouncyCastle.Crypto.Signers.RsaDigestSigner(new Org.BouncyCastle.Crypto.Digests.Sha224Digest());
            sha224.Init(true, user.PrivateKey);
            sha224.BlockUpdate(content);
            var signature = WithoutSignedAttributes("rsa2048", content, detached: true, DigestAlgorithm.Sha224, sha224.GenerateSignature());
            var signer = Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(content)).Signers);
            Assert.True(signer.IsValid, signer.Problem);
            Assert.Equal(DigestAlgorithm.Sha224, signer.DigestAlgorithm);

            var digestInfo = new Org.BouncyCastle.Asn1.X509.DigestInfo(
                new Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier(new DerObjectIdentifier(CmsOid.Sha256)),
                System.Security.Cryptography.SHA256.HashData(content)).GetEncoded(Asn1Encodable.Der);
            var rsa = new Org.BouncyCastle.Crypto.Encodings.Pkcs1Encoding(new Org.BouncyCastle.Crypto.Engines.RsaEngine());
            rsa.Init(true, user.PrivateKey);
            var withoutNull = rsa.ProcessBlock(digestInfo, 0, digestInfo.Length);
            signature = WithoutSignedAttributes("rsa2048", content, detached: true, DigestAlgorithm.Sha256, withoutNull);
            signer = Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(content)).Signers);
            Assert.True(signer.IsValid, signer.Problem);
            content[0] ^= 1;
            Assert.Equal(SignerStatus.BadSignature, Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(content)).Signers).Status);
        }

        /// <summary>A SignedData whose signer has no signed attributes (RFC 5652 §5.4 allows it; RFC 8419 §3.1 for Ed25519).</summary>
        private byte[] WithoutSignedAttributes(string name, byte[] content, bool detached, DigestAlgorithm? digestAlgorithm = null, byte[]? signatureValue = null)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var digest = digestAlgorithm ?? SignedDataBuilder.DigestFor(key, DigestAlgorithm.Sha256);
            var algorithm = SignedDataBuilder.SignatureAlgorithmFor(key, SignatureAlgorithm.Default);
            var signatureOid = algorithm switch
            {
                SignatureAlgorithm.Ed25519 => CmsOid.Ed25519,
                SignatureAlgorithm.Ecdsa => CmsOid.EcdsaWith(digest),
                _ => CmsOid.RsaEncryption,
            };
            var certificate = Org.BouncyCastle.Asn1.X509.X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(key.Certificate.RawData));
            var digestIdentifier = new Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier(new DerObjectIdentifier(AlgorithmOids.Of(digest)));
            var signerInfo = new SignerInfo(
                new SignerIdentifier(new IssuerAndSerialNumber(certificate)),
                digestIdentifier,
                (Asn1Set?)null,
                new Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier(new DerObjectIdentifier(signatureOid)),
                new DerOctetString(signatureValue ?? key.Sign(content, digest, algorithm)),
                (Asn1Set?)null);
            var signedData = new SignedData(
                new DerSet(digestIdentifier),
                new ContentInfo(CmsObjectIdentifiers.Data, detached ? null : new DerOctetString(content)),
                new DerSet(certificate),
                null,
                new DerSet(signerInfo));
            return new ContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetEncoded(Asn1Encodable.Der);
        }

        private byte[] Encapsulated(string name, int size)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(SigningTestKeys.SampleContent(size)), encoded, new SigningOptions { Key = key });
            return encoded.ToArray();
        }
    }
}
