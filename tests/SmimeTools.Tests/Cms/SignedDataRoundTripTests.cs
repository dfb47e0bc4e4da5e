using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;
using Pki = global::SmimeTools.TestPki.TestPki;
using RsassaPssParameters = Org.BouncyCastle.Asn1.Pkcs.RsassaPssParameters;

namespace SmimeTools.Tests.Cms
{
    /// <summary>What the builder signs, the reader verifies: every key type of the test PKI, every digest, both forms.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class SignedDataRoundTripTests
    {
        private static readonly DateTimeOffset SigningTime = new(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);

        private readonly TestPkiFixture _fixture;

        public SignedDataRoundTripTests(TestPkiFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> KeysAndDigests()
        {
            foreach (var (name, algorithm) in SigningTestKeys.Signers)
            {
                foreach (var digest in new[] { DigestAlgorithm.Sha256, DigestAlgorithm.Sha384, DigestAlgorithm.Sha512 })
                {
                    yield return new object[] { name, algorithm, digest };
                }
            }
        }

        [Theory]
        [MemberData(nameof(KeysAndDigests))]
        public void DetachedSignatureVerifies(string name, SignatureAlgorithm algorithm, DigestAlgorithm digest)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var content = SigningTestKeys.SampleContent(3000);
            var options = Options(key, algorithm, digest);
            var used = SignedDataBuilder.DigestFor(key, digest);

            var signature = SignedDataBuilder.CreateDetached(SignedDataDigester.Hash(used, content), options);
            var result = SignedDataReader.ReadDetached(signature, new MemoryStream(content));

            Assert.True(result.IsDetached);
            Assert.Equal(content.Length, result.ContentLength);
            var signer = Assert.Single(result.Signers);
            AssertValid(signer, key, algorithm, used);
            Assert.Equal(AlgorithmOids.Of(used), Assert.Single(result.DigestAlgorithmOids));
        }

        [Theory]
        [MemberData(nameof(KeysAndDigests))]
        public void EncapsulatedSignatureVerifiesAndGivesTheContentBack(string name, SignatureAlgorithm algorithm, DigestAlgorithm digest)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var content = SigningTestKeys.SampleContent(20000);
            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(content), encoded, Options(key, algorithm, digest));

            var output = new MemoryStream();
            var result = SignedDataReader.ReadEncapsulated(new MemoryStream(encoded.ToArray()), output);

            Assert.False(result.IsDetached);
            Assert.Equal(content, output.ToArray());
            Assert.Equal(CmsOid.Data, result.ContentType);
            Assert.Equal(1, result.Version);
            AssertValid(Assert.Single(result.Signers), key, algorithm, SignedDataBuilder.DigestFor(key, digest));
        }

        [Theory]
        [InlineData("rsa2048", SignatureAlgorithm.RsaPkcs1)]
        [InlineData("rsa2048", SignatureAlgorithm.RsaPss)]
        [InlineData("p256", SignatureAlgorithm.Ecdsa)]
        [InlineData("ed25519", SignatureAlgorithm.Ed25519)]
        public void ChangedContentIsADigestMismatch(string name, SignatureAlgorithm algorithm)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var content = SigningTestKeys.SampleContent(500);
            var options = Options(key, algorithm, DigestAlgorithm.Sha256);
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(content), options);
            var changed = (byte[])content.Clone();
            changed[100] ^= 0x01;

            var detached = Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(changed)).Signers);
            Assert.Equal(SignerStatus.DigestMismatch, detached.Status);
            Assert.False(detached.MessageDigestMatches);
            Assert.True(detached.SignatureVerified); // the attributes are intact; only the content changed
            Assert.NotNull(detached.Problem);

            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(content), encoded, options);
            var bytes = encoded.ToArray();
            int at = IndexOf(bytes, content.AsSpan(90, 20));
            bytes[at + 10] ^= 0x01;
            var output = new MemoryStream();
            var encapsulated = Assert.Single(SignedDataReader.ReadEncapsulated(new MemoryStream(bytes), output).Signers);
            Assert.Equal(SignerStatus.DigestMismatch, encapsulated.Status);
            Assert.Equal(changed, output.ToArray());
        }

        [Theory]
        [InlineData("rsa2048", SignatureAlgorithm.RsaPkcs1)]
        [InlineData("rsa3072", SignatureAlgorithm.RsaPss)]
        [InlineData("p384", SignatureAlgorithm.Ecdsa)]
        [InlineData("p521", SignatureAlgorithm.Ecdsa)]
        [InlineData("ed25519", SignatureAlgorithm.Ed25519)]
        public void ChangedSignatureIsABadSignature(string name, SignatureAlgorithm algorithm)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var content = SigningTestKeys.SampleContent(500);
            var options = Options(key, algorithm, DigestAlgorithm.Sha384);

            // The signature value is the last element of a detached SignedData (no unsigned attributes).
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(content), options);
            signature[^2] ^= 0x40;
            var detached = Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(content)).Signers);
            Assert.Equal(SignerStatus.BadSignature, detached.Status);
            Assert.True(detached.MessageDigestMatches);
            Assert.False(detached.SignatureVerified);

            // Encapsulated: the signature is followed only by three end-of-contents markers.
            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(content), encoded, options);
            var bytes = encoded.ToArray();
            bytes[^8] ^= 0x40;
            var encapsulated = Assert.Single(SignedDataReader.ReadEncapsulated(new MemoryStream(bytes), Stream.Null).Signers);
            Assert.Equal(SignerStatus.BadSignature, encapsulated.Status);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(8191)]
        [InlineData(8192)]
        [InlineData(8193)]
        [InlineData(200_000)]
        public void ContentOfAnySizeRoundTrips(int size)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "p256");
            var content = SigningTestKeys.SampleContent(size);
            var encoded = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(new MemoryStream(content), encoded, Options(key, SignatureAlgorithm.Default, DigestAlgorithm.Sha256));
            var output = new MemoryStream();
            var result = SignedDataReader.ReadEncapsulated(new ForwardOnlyStream(new MemoryStream(encoded.ToArray())), output);
            Assert.Equal(content, output.ToArray());
            Assert.True(result.AllSignersValid);
            Assert.Equal(size, result.ContentLength);
        }

        [Fact]
        public void AttributesCarryCapabilitiesKeyPreferenceAndTime()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            using var encryptionCertificate = _fixture.Pki.Users["rsa3072"].GetCertificate();
            var capabilities = new[]
            {
                ContentEncryptionAlgorithm.Aes256Gcm, ContentEncryptionAlgorithm.ChaCha20Poly1305, ContentEncryptionAlgorithm.Aes256Cbc,
                ContentEncryptionAlgorithm.Aes128Cbc, ContentEncryptionAlgorithm.TripleDesCbc, ContentEncryptionAlgorithm.Rc2Cbc,
            };
            var options = new SigningOptions
            {
                Key = key,
                Capabilities = capabilities,
                EncryptionKeyPreference = encryptionCertificate,
                SigningTime = new DateTimeOffset(2030, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)),
            };
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(new byte[] { 1, 2, 3 }), options);
            var signer = Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(new byte[] { 1, 2, 3 })).Signers);

            Assert.True(signer.IsValid, signer.Problem);
            Assert.Equal(capabilities, signer.Capabilities);
            Assert.Equal(capabilities.Select(CmsOid.Of), signer.CapabilityOids);
            Assert.NotNull(signer.EncryptionKeyPreference);
            Assert.True(signer.EncryptionKeyPreference!.IsIssuerAndSerialNumber);
            Assert.True(signer.EncryptionKeyPreference.Matches(encryptionCertificate));
            Assert.False(signer.EncryptionKeyPreference.Matches(key.Certificate));
            Assert.Equal(new DateTimeOffset(2030, 1, 2, 1, 4, 5, TimeSpan.Zero), signer.SigningTime);
            Assert.Contains(CmsOid.SmimeCapabilitiesAttribute, signer.SignedAttributeOids);
            Assert.Equal(4 + 1, signer.SignedAttributeOids.Count);

            // RC2 is announced with its key size (RFC 8551 §2.5.2); the others without parameters.
            var capabilitySequence = SignedAttribute(signature, CmsOid.SmimeCapabilitiesAttribute);
            var sequence = Asn1Sequence.GetInstance(capabilitySequence);
            Assert.All(sequence.Cast<Asn1Encodable>().Take(5), c => Assert.Single(Asn1Sequence.GetInstance(c)));
            Assert.Equal(128, DerInteger.GetInstance(Asn1Sequence.GetInstance(sequence[5])[1]).IntValueExact);
        }

        [Fact]
        public void WithoutCapabilitiesOrPreferenceTheAttributesAreLeftOut()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "p256");
            var options = new SigningOptions { Key = key, Capabilities = Array.Empty<ContentEncryptionAlgorithm>(), SigningTime = SigningTime };
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(new byte[10]), options);
            var signer = Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(new byte[10])).Signers);
            Assert.True(signer.IsValid, signer.Problem);
            Assert.Equal(new[] { CmsOid.ContentTypeAttribute, CmsOid.MessageDigestAttribute, CmsOid.SigningTimeAttribute }.OrderBy(o => o), signer.SignedAttributeOids.OrderBy(o => o));
            Assert.Null(signer.EncryptionKeyPreference);
            Assert.Empty(signer.Capabilities);
        }

        [Theory]
        [InlineData(2049, 12, 31, true)]
        [InlineData(2050, 1, 1, false)]
        [InlineData(1950, 1, 1, true)]
        [InlineData(1949, 12, 31, false)]
        public void SigningTimeIsUtcTimeUntil2049ThenGeneralizedTime(int year, int month, int day, bool utcTime)
        {
            var time = new DateTimeOffset(year, month, day, 23, 59, 59, TimeSpan.Zero);
            var key = SigningTestKeys.Load(_fixture.Pki, "p256");
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(new byte[1]), new SigningOptions { Key = key, SigningTime = time });

            var value = SignedAttribute(signature, CmsOid.SigningTimeAttribute);
            if (utcTime)
            {
                Assert.IsAssignableFrom<Asn1UtcTime>(value);
            }
            else
            {
                Assert.IsAssignableFrom<Asn1GeneralizedTime>(value);
            }

            var signer = Assert.Single(SignedDataReader.ReadDetached(signature, new MemoryStream(new byte[1])).Signers);
            Assert.Equal(time, signer.SigningTime);
        }

        [Theory]
        [InlineData(DigestAlgorithm.Sha256, 32)]
        [InlineData(DigestAlgorithm.Sha384, 48)]
        [InlineData(DigestAlgorithm.Sha512, 64)]
        public void PssCarriesFullParameters(DigestAlgorithm digest, int saltLength)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(new byte[1]), Options(key, SignatureAlgorithm.RsaPss, digest));
            var info = SignerInfoOf(signature);
            Assert.Equal(CmsOid.RsaPss, info.SignatureAlgorithm.Algorithm.Id);
            var parameters = RsassaPssParameters.GetInstance(info.SignatureAlgorithm.Parameters);
            Assert.Equal(AlgorithmOids.Of(digest), parameters.HashAlgorithm.Algorithm.Id);
            Assert.Equal(CmsOid.Mgf1, parameters.MaskGenAlgorithm.Algorithm.Id);
            Assert.Equal(AlgorithmOids.Of(digest), Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier.GetInstance(parameters.MaskGenAlgorithm.Parameters).Algorithm.Id);
            Assert.Equal(saltLength, parameters.SaltLength.IntValueExact);
            Assert.Equal(1, parameters.TrailerField.IntValueExact);
        }

        [Theory]
        [InlineData("rsa2048", SignatureAlgorithm.RsaPkcs1, CmsOid.RsaEncryption)]
        [InlineData("p256", SignatureAlgorithm.Ecdsa, CmsOid.EcdsaWithSha384)]
        [InlineData("p384", SignatureAlgorithm.Ecdsa, CmsOid.EcdsaWithSha384)]
        // An EC key's digest is raised to match its curve: P-521 signs with SHA-512 when SHA-384 is asked.
        [InlineData("p521", SignatureAlgorithm.Ecdsa, CmsOid.EcdsaWithSha512)]
        [InlineData("ed25519", SignatureAlgorithm.Ed25519, CmsOid.Ed25519)]
        public void SignatureAlgorithmIdentifiers(string name, SignatureAlgorithm algorithm, string oid)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var info = SignerInfoOf(SignedDataBuilder.CreateDetached(new MemoryStream(new byte[1]), Options(key, algorithm, DigestAlgorithm.Sha384)));
            Assert.Equal(oid, info.SignatureAlgorithm.Algorithm.Id);
            if (algorithm == SignatureAlgorithm.RsaPkcs1)
            {
                Assert.IsType<DerNull>(info.SignatureAlgorithm.Parameters);
            }
            else
            {
                Assert.Null(info.SignatureAlgorithm.Parameters);
            }

            // SHA-2 digest identifiers without parameters (RFC 5754 §2); issuerAndSerialNumber, version 1.
            Assert.Null(info.DigestAlgorithm.Parameters);
            Assert.False(info.SignerID.IsTagged);
            Assert.Equal(1, info.Version.IntValueExact);
        }

        [Fact]
        public void Ed25519AlwaysUsesSha512()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "ed25519");
            Assert.Equal(DigestAlgorithm.Sha512, SignedDataBuilder.DigestFor(key, DigestAlgorithm.Sha256));
            var rsa = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            Assert.Equal(DigestAlgorithm.Sha384, SignedDataBuilder.DigestFor(rsa, DigestAlgorithm.Sha384));
            Assert.Equal(DigestAlgorithm.Sha1, SignedDataBuilder.DigestFor(rsa, DigestAlgorithm.Sha1));

            var options = Options(key, SignatureAlgorithm.Default, DigestAlgorithm.Sha256);
            var wrongLength = SHA256.HashData(new byte[1]);
            Assert.Throws<ArgumentException>(() => SignedDataBuilder.CreateDetached(wrongLength, options));
            var signature = SignedDataBuilder.CreateDetached(SHA512.HashData(new byte[1]), options);
            Assert.Equal(CmsOid.Sha512, SignerInfoOf(signature).DigestAlgorithm.Algorithm.Id);
        }

        [Theory]
        [InlineData("p256", DigestAlgorithm.Sha256, DigestAlgorithm.Sha256)]
        [InlineData("p256", DigestAlgorithm.Sha512, DigestAlgorithm.Sha512)]
        [InlineData("p384", DigestAlgorithm.Sha256, DigestAlgorithm.Sha384)]
        [InlineData("p384", DigestAlgorithm.Sha1, DigestAlgorithm.Sha384)]
        [InlineData("p384", DigestAlgorithm.Sha512, DigestAlgorithm.Sha512)]
        public void EcKeysGetAtLeastTheDigestOfTheirCurve(string name, DigestAlgorithm requested, DigestAlgorithm used)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, name);
            Assert.Equal(used, SignedDataBuilder.DigestFor(key, requested));
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(new byte[3]), Options(key, SignatureAlgorithm.Default, requested));
            Assert.Equal(AlgorithmOids.Of(used), SignerInfoOf(signature).DigestAlgorithm.Algorithm.Id);
            Assert.Equal(CmsOid.EcdsaWith(used), SignerInfoOf(signature).SignatureAlgorithm.Algorithm.Id);
        }

        [Theory]
        [InlineData("p256", SignatureAlgorithm.RsaPss)]
        [InlineData("p256", SignatureAlgorithm.Ed25519)]
        [InlineData("rsa2048", SignatureAlgorithm.Ecdsa)]
        [InlineData("ed25519", SignatureAlgorithm.RsaPkcs1)]
        public void ASchemeThatDoesNotFitTheKeyIsUnsupported(string name, SignatureAlgorithm algorithm)
        {
            var key = SigningTestKeys.Load(_fixture.Pki, name);
            var e = Assert.Throws<SmimeException>(() => SignedDataBuilder.CreateDetached(new MemoryStream(new byte[1]), Options(key, algorithm, DigestAlgorithm.Sha256)));
            Assert.Equal(ErrorIds.UnsupportedAlgorithm, e.ErrorId);
        }

        [Fact]
        public void Sha224IsNotOfferedForNewSignatures()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            var e = Assert.Throws<SmimeException>(() => SignedDataBuilder.CreateDetached(new byte[28], Options(key, SignatureAlgorithm.Default, DigestAlgorithm.Sha224)));
            Assert.Equal(ErrorIds.UnsupportedAlgorithm, e.ErrorId);
        }

        [Fact]
        public void WeakDigestsAreTheCallersChoiceAndAreReportedWhenRead()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            var signature = SignedDataBuilder.CreateDetached(new MemoryStream(new byte[5]), Options(key, SignatureAlgorithm.Default, DigestAlgorithm.Sha1));
            var result = SignedDataReader.ReadDetached(signature, new MemoryStream(new byte[5]));
            var signer = Assert.Single(result.Signers);
            Assert.True(signer.IsValid, signer.Problem);
            Assert.True(signer.IsWeakAlgorithm);
            Assert.True(result.IsWeak);
            Assert.Equal("SHA-1", result.DigestAlgorithmNames);
        }

        [Fact]
        public void TheCallerDecidesWhichCertificatesAreEmbedded()
        {
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            using var intermediate = _fixture.Pki.Intermediate.GetCertificate();
            var content = new byte[] { 42 };

            var signerOnly = SignedDataReader.ReadDetached(SignedDataBuilder.CreateDetached(new MemoryStream(content), new SigningOptions { Key = key }), new MemoryStream(content));
            Assert.Equal(key.Certificate.Thumbprint, Assert.Single(signerOnly.Certificates).Thumbprint);

            var chain = SignedDataReader.ReadDetached(
                SignedDataBuilder.CreateDetached(new MemoryStream(content), new SigningOptions { Key = key, Certificates = new[] { key.Certificate, intermediate } }),
                new MemoryStream(content));
            Assert.Equal(new[] { key.Certificate.Thumbprint, intermediate.Thumbprint }.OrderBy(t => t), chain.Certificates.Select(c => c.Thumbprint).OrderBy(t => t));
            Assert.True(chain.AllSignersValid);

            var none = SignedDataBuilder.CreateDetached(new MemoryStream(content), new SigningOptions { Key = key, Certificates = Array.Empty<X509Certificate2>() });
            var withoutCertificate = SignedDataReader.ReadDetached(none, new MemoryStream(content));
            Assert.Empty(withoutCertificate.Certificates);
            var missing = Assert.Single(withoutCertificate.Signers);
            Assert.Equal(SignerStatus.CertificateNotFound, missing.Status);
            Assert.True(missing.MessageDigestMatches);
            Assert.True(missing.SignerIdentifier.Matches(key.Certificate));
            Assert.Null(missing.Certificate);

            using var publicOnly = _fixture.Pki.Users["rsa2048"].GetCertificate();
            var supplied = Assert.Single(SignedDataReader.ReadDetached(none, new MemoryStream(content), new[] { publicOnly }).Signers);
            Assert.True(supplied.IsValid, supplied.Problem);
            Assert.Equal(publicOnly.Thumbprint, supplied.Certificate!.Thumbprint);
        }

        [Fact]
        public void AListOfCertificatesUsedForManySignaturesIsReadAgainWhenItChanges()
        {
            // The SET a pipeline embeds is made once per list object: a list changed in between must not be answered from it.
            var key = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            using var intermediate = _fixture.Pki.Intermediate.GetCertificate();
            var content = new byte[] { 42 };
            var list = new List<X509Certificate2> { key.Certificate };
            string[] Embedded() => SignedDataReader.ReadDetached(
                    SignedDataBuilder.CreateDetached(new MemoryStream(content), new SigningOptions { Key = key, Certificates = list }), new MemoryStream(content))
                .Certificates.Select(c => c.Thumbprint).Order().ToArray();

            Assert.Equal(new[] { key.Certificate.Thumbprint }, Embedded());
            Assert.Equal(new[] { key.Certificate.Thumbprint }, Embedded());
            list.Add(intermediate);
            Assert.Equal(new[] { key.Certificate.Thumbprint, intermediate.Thumbprint }.Order(), Embedded());
            list.RemoveAt(0);
            Assert.Equal(new[] { intermediate.Thumbprint }, Embedded());
            list.Clear();
            Assert.Empty(Embedded());
        }

        [Fact]
        public void AKeyThatIsNotTheCertificatesIsCaughtWhenSigning()
        {
            var real = SigningTestKeys.Load(_fixture.Pki, "rsa2048");
            using var other = _fixture.Pki.Users["rsa3072"].GetCertificate();
            var impostor = new ForeignCertificateKey(real, other);
            var e = Assert.Throws<SmimeException>(() => SignedDataBuilder.CreateDetached(new MemoryStream(new byte[1]), new SigningOptions { Key = impostor }));
            Assert.Equal(ErrorIds.UnsupportedKey, e.ErrorId);
        }

        [Fact]
        public void LargeContentStreamsWithFlatMemory()
        {
            const long size = 48L * 1024 * 1024;
            var key = SigningTestKeys.Load(_fixture.Pki, "p256");
            string path = Path.Combine(Path.GetTempPath(), "smimetools-signed-" + Guid.NewGuid().ToString("N") + ".p7m");
            try
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    SignedDataBuilder.WriteEncapsulated(new SigningPatternStream(size), new ForwardOnlyStream(file), Options(key, SignatureAlgorithm.Default, DigestAlgorithm.Sha256));
                }

                long written = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(written < 4 * 1024 * 1024, $"Signing {size:N0} bytes allocated {written:N0} bytes.");

                using var sink = new SigningHashingSink();
                before = GC.GetAllocatedBytesForCurrentThread();
                SignedDataResult result;
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                {
                    result = SignedDataReader.ReadEncapsulated(new ForwardOnlyStream(file), sink);
                }

                long read = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(read < 8 * 1024 * 1024, $"Verifying {size:N0} bytes allocated {read:N0} bytes.");
                Assert.True(result.AllSignersValid);
                Assert.Equal(size, result.ContentLength);
                using var expected = new SigningHashingSink();
                new SigningPatternStream(size).CopyTo(expected);
                Assert.Equal(expected.Finish(), sink.Finish());
            }
            finally
            {
                File.Delete(path);
            }
        }

        private static SigningOptions Options(ISigningKey key, SignatureAlgorithm algorithm, DigestAlgorithm digest) => new()
        {
            Key = key,
            Algorithm = algorithm,
            Digest = digest,
            SigningTime = SigningTime,
        };

        private static void AssertValid(SignerResult signer, ISigningKey key, SignatureAlgorithm algorithm, DigestAlgorithm digest)
        {
            Assert.True(signer.IsValid, signer.Problem);
            Assert.Equal(SignerStatus.Valid, signer.Status);
            Assert.Null(signer.Problem);
            Assert.True(signer.MessageDigestMatches);
            Assert.True(signer.SignatureVerified);
            Assert.True(signer.HasSignedAttributes);
            Assert.Equal(key.Certificate.Thumbprint, signer.Certificate?.Thumbprint);
            Assert.True(signer.SignerIdentifier.Matches(key.Certificate));
            Assert.Equal(digest, signer.DigestAlgorithm);
            Assert.Equal(algorithm == SignatureAlgorithm.Default ? SignedDataBuilder.SignatureAlgorithmFor(key, algorithm) : algorithm, signer.SignatureAlgorithm);
            Assert.Equal(SigningTime, signer.SigningTime);
            Assert.Equal(SigningOptions.DefaultCapabilities, signer.Capabilities);
            Assert.False(signer.IsWeakAlgorithm);
            Assert.Empty(signer.Countersignatures);
        }

        private static SignerInfo SignerInfoOf(byte[] signature)
        {
            var signedData = SignedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(signature)).Content);
            return SignerInfo.GetInstance(signedData.SignerInfos[0]);
        }

        private static Asn1Encodable SignedAttribute(byte[] signature, string oid) =>
            SignerInfoOf(signature).SignedAttrs.Cast<Asn1Encodable>()
                .Select(Org.BouncyCastle.Asn1.Cms.Attribute.GetInstance)
                .Single(a => a.AttrType.Id == oid).AttrValues[0];

        private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle)
        {
            int at = haystack.AsSpan().IndexOf(needle);
            Assert.True(at >= 0, "The content was not found in the encoding.");
            return at;
        }

        /// <summary>A key that signs with one certificate's key while claiming another certificate.</summary>
        private sealed class ForeignCertificateKey : ISigningKey
        {
            private readonly ISigningKey _inner;

            public ForeignCertificateKey(ISigningKey inner, X509Certificate2 claimed)
            {
                _inner = inner;
                Certificate = claimed;
            }

            public X509Certificate2 Certificate { get; }

            public KeyAlgorithmKind Algorithm => _inner.Algorithm;

            public bool CanSignInParallel => true;

            public byte[] Sign(ReadOnlySpan<byte> data, DigestAlgorithm digest, SignatureAlgorithm algorithm) => _inner.Sign(data, digest, algorithm);
        }
    }

    /// <summary>Keys, content and streams shared by the signing tests (CMS and interop).</summary>
    internal static class SigningTestKeys
    {
        /// <summary>Every signing key of the test PKI with each scheme it supports.</summary>
        public static readonly (string Name, SignatureAlgorithm Algorithm)[] Signers =
        {
            ("rsa2048", SignatureAlgorithm.RsaPkcs1),
            ("rsa2048", SignatureAlgorithm.RsaPss),
            ("rsa3072", SignatureAlgorithm.RsaPkcs1),
            ("rsa3072", SignatureAlgorithm.RsaPss),
            ("p256", SignatureAlgorithm.Ecdsa),
            ("p384", SignatureAlgorithm.Ecdsa),
            ("p521", SignatureAlgorithm.Ecdsa),
            ("ed25519", SignatureAlgorithm.Ed25519),
        };

        private static readonly Dictionary<(string Folder, string Name), PrivateKey> Cache = new();

        /// <summary>The user's key as the engine holds it: .NET for RSA/EC, the engine's reader for Ed25519.</summary>
        public static PrivateKey Load(Pki pki, string name)
        {
            lock (Cache)
            {
                if (!Cache.TryGetValue((pki.Folder, name), out var key))
                {
                    var user = pki.Users[name];
                    if (user.SupportsDotNetPrivateKey)
                    {
                        key = PrivateKeys.Open(new DotNetKeyReference(user.GetCertificateWithPrivateKey(), KeyLocation.File));
                    }
                    else
                    {
                        var password = new NetworkCredential(string.Empty, pki.Password).SecurePassword;
                        var entry = CertificateFileReader.ReadFile(user.Pkcs12Path, password).Single(e => e.Certificate.Thumbprint == user.Thumbprint);
                        key = PrivateKeys.Open(entry.Key!);
                    }

                    Cache.Add((pki.Folder, name), key);
                }

                return key;
            }
        }

        /// <summary>MIME-looking content with binary noise, deterministic.</summary>
        public static byte[] SampleContent(int size)
        {
            var bytes = new byte[size];
            var header = Encoding.ASCII.GetBytes("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n");
            new Random(size).NextBytes(bytes);
            header.AsSpan(0, Math.Min(header.Length, size)).CopyTo(bytes);
            return bytes;
        }

        /// <summary>The corpora folder: $SMIMETOOLS_CORPORA, else &lt;repo&gt;/../shared/corpora; null when absent.</summary>
        public static string? CorporaFolder()
        {
            var configured = Environment.GetEnvironmentVariable("SMIMETOOLS_CORPORA");
            if (!string.IsNullOrEmpty(configured))
            {
                return Directory.Exists(configured) ? configured : null;
            }

            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "SmimeTools.sln")))
                {
                    var corpora = Path.GetFullPath(Path.Combine(folder.FullName, "..", "shared", "corpora"));
                    return Directory.Exists(corpora) ? corpora : null;
                }
            }

            return null;
        }
    }

    /// <summary>A long deterministic stream that is never held in memory.</summary>
    internal sealed class SigningPatternStream : Stream
    {
        private readonly long _length;
        private long _position;

        public SigningPatternStream(long length) => _length = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, _length - _position);
            for (int i = 0; i < n; i++)
            {
                long p = _position + i;
                buffer[offset + i] = (byte)((p * 2654435761L) >> 13);
            }

            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A write-only stream that keeps a SHA-256 of what it is given, not the bytes.</summary>
    internal sealed class SigningHashingSink : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public byte[] Finish() => _hash.GetHashAndReset();

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _hash.AppendData(buffer, offset, count);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
