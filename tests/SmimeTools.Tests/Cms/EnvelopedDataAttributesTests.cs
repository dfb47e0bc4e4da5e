using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Tests.TestPki;
using Xunit;
using CmsAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using DotNetChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;

namespace SmimeTools.Tests.Cms
{
    /// <summary>
    /// Messages with attributes, which the writer never adds, made by hand with the ASN.1 classes and .NET's one-shot
    /// ciphers: AuthEnvelopedData authAttrs are associated data that arrive after the content (RFC 5083 §2.1).
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnvelopedDataAttributesTests
    {
        private static readonly DerObjectIdentifier NoteOid = new("1.3.6.1.4.1.55555.1");

        private readonly TestPkiFixture _fixture;

        public EnvelopedDataAttributesTests(TestPkiFixture fixture) => _fixture = fixture;

        [Fact]
        public void GcmAuthenticatedAttributesAreCheckedAndReturned()
        {
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var plaintext = RandomNumberGenerator.GetBytes(150_000);
            var message = AuthEnveloped(key.Certificate, plaintext, "hello");

            var (decrypted, result) = EnvelopedTestSupport.Decrypt(message, key);
            Assert.Equal(plaintext, decrypted);
            Assert.True(result.IsAuthenticated);
            Assert.Equal(2, result.AuthenticatedAttributes.Count);
            Assert.Contains(result.AuthenticatedAttributes, a => a.Oid == NoteOid.Id && new DerUtf8String("hello").GetEncoded().AsSpan().SequenceEqual(a.Values[0]));
            var unauthenticated = Assert.Single(result.UnauthenticatedAttributes);
            Assert.Equal(NoteOid.Id, unauthenticated.Oid);

            // The attributes are covered by the tag: change one letter of one and the message no longer opens.
            var changed = (byte[])message.Clone();
            changed[EnvelopedTestSupport.IndexOf(changed, "hello"u8.ToArray()) + 4] = (byte)'p';
            var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(changed, key));
            Assert.Equal(ErrorIds.DecryptionFailed, error.ErrorId);
        }

        [Fact]
        public void UnprotectedAttributesOfEnvelopedDataAreReturned()
        {
            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa3072");
            var plaintext = RandomNumberGenerator.GetBytes(1000);
            var message = EnvelopedWithUnprotectedAttributes(key.Certificate, plaintext, null);

            var (decrypted, result) = EnvelopedTestSupport.Decrypt(message, key);
            Assert.Equal(plaintext, decrypted);
            var attribute = Assert.Single(result.UnprotectedAttributes);
            Assert.Equal(NoteOid.Id, attribute.Oid);
            Assert.Empty(result.AuthenticatedAttributes);
        }

        [SkippableFact]
        public void ChaChaWithAuthenticatedAttributesIsRefusedAsUnsupported()
        {
            Skip.IfNot(DotNetChaCha20Poly1305.IsSupported, "this platform's cryptography has no ChaCha20-Poly1305.");

            using var key = EnvelopedTestSupport.KeyOf(_fixture.Pki, "rsa2048");
            var plaintext = RandomNumberGenerator.GetBytes(1000);
            var contentKey = RandomNumberGenerator.GetBytes(32);
            var nonce = RandomNumberGenerator.GetBytes(12);
            var authAttrs = Attributes("hello");
            var ciphertext = new byte[plaintext.Length];
            var tag = new byte[16];
            using (var chacha = new DotNetChaCha20Poly1305(contentKey))
            {
                chacha.Encrypt(nonce, plaintext, ciphertext, tag, authAttrs.GetEncoded(Asn1Encodable.Der));
            }

            var encryptedContentInfo = new EncryptedContentInfo(
                CmsObjectIdentifiers.Data,
                new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.ChaCha20Poly1305), new DerOctetString(nonce)),
                new BerOctetString(ciphertext));
            var auth = new AuthEnvelopedData(null, new DerSet(KeyTransport(key.Certificate, contentKey)), encryptedContentInfo, authAttrs, new DerOctetString(tag), null);
            var message = new ContentInfo(CmsObjectIdentifiers.AuthEnvelopedData, auth).GetEncoded(Asn1Encodable.Der);

            // The associated data comes after the content, and Poly1305 needs it first: a documented limit, never a silent pass.
            var error = Assert.ThrowsAny<SmimeException>(() => EnvelopedTestSupport.Decrypt(message, key));
            Assert.Equal(ErrorIds.UnsupportedAlgorithm, error.ErrorId);
        }

        /// <summary>EnvelopedData (AES-256-CBC, RSA key transport) with unprotectedAttrs and, when given, originatorInfo.</summary>
        internal static byte[] EnvelopedWithUnprotectedAttributes(X509Certificate2 recipient, byte[] plaintext, OriginatorInfo? originator)
        {
            var contentKey = RandomNumberGenerator.GetBytes(32);
            var iv = RandomNumberGenerator.GetBytes(16);
            using var aes = Aes.Create();
            aes.Key = contentKey;
            var encryptedContentInfo = new EncryptedContentInfo(
                CmsObjectIdentifiers.Data,
                new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.Aes256Cbc), new DerOctetString(iv)),
                new BerOctetString(aes.EncryptCbc(plaintext, iv)));
            var unprotected = new DerSet(new CmsAttribute(NoteOid, new DerSet(new DerUtf8String("not protected"))));
            var enveloped = new EnvelopedData(originator, new DerSet(KeyTransport(recipient, contentKey)), encryptedContentInfo, unprotected);
            return new ContentInfo(CmsObjectIdentifiers.EnvelopedData, enveloped).GetEncoded(Asn1Encodable.Der);
        }

        /// <summary>AuthEnvelopedData (AES-128-GCM, RSA key transport) with two authAttrs, one of them <paramref name="note"/>, and one unauthAttr.</summary>
        internal static byte[] AuthEnveloped(X509Certificate2 recipient, byte[] plaintext, string note)
        {
            var contentKey = RandomNumberGenerator.GetBytes(16);
            var nonce = RandomNumberGenerator.GetBytes(12);
            var authAttrs = Attributes(note);
            var ciphertext = new byte[plaintext.Length];
            var tag = new byte[16];
            using (var gcm = new AesGcm(contentKey, 16))
            {
                // RFC 5083 §2.1: the associated data is the DER of authAttrs with the SET OF tag.
                gcm.Encrypt(nonce, plaintext, ciphertext, tag, authAttrs.GetEncoded(Asn1Encodable.Der));
            }

            var encryptedContentInfo = new EncryptedContentInfo(
                CmsObjectIdentifiers.Data,
                new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.Aes128Gcm), new GcmParameters(nonce, 16)),
                new BerOctetString(ciphertext));
            var unauthAttrs = new DerSet(new CmsAttribute(NoteOid, new DerSet(new DerUtf8String("outside the tag"))));
            var auth = new AuthEnvelopedData(null, new DerSet(KeyTransport(recipient, contentKey)), encryptedContentInfo, authAttrs, new DerOctetString(tag), unauthAttrs);
            return new ContentInfo(CmsObjectIdentifiers.AuthEnvelopedData, auth).GetEncoded(Asn1Encodable.Der);
        }

        private static DerSet Attributes(string note) => new(
            new CmsAttribute(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data)),
            new CmsAttribute(NoteOid, new DerSet(new DerUtf8String(note))));

        private static RecipientInfo KeyTransport(X509Certificate2 recipient, byte[] contentKey)
        {
            var certificate = X509CertificateStructure.GetInstance(recipient.RawData);
            using var rsa = recipient.GetRSAPublicKey()!;
            return new RecipientInfo(new KeyTransRecipientInfo(
                new RecipientIdentifier(new IssuerAndSerialNumber(certificate.Issuer, certificate.SerialNumber)),
                new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.RsaEncryption), DerNull.Instance),
                new DerOctetString(rsa.Encrypt(contentKey, RSAEncryptionPadding.Pkcs1))));
        }
    }
}
