using System;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Object identifiers of CMS (RFC 5652), S/MIME (RFC 8551) and the algorithms they carry, and the mapping
    /// between them and the engine's algorithm enums.
    /// </summary>
    public static class CmsOid
    {
        // Content types (RFC 5652 §4-§9, RFC 3274, RFC 5083).
        public const string Data = "1.2.840.113549.1.7.1";
        public const string SignedData = "1.2.840.113549.1.7.2";
        public const string EnvelopedData = "1.2.840.113549.1.7.3";
        public const string DigestedData = "1.2.840.113549.1.7.5";
        public const string EncryptedData = "1.2.840.113549.1.7.6";
        public const string AuthenticatedData = "1.2.840.113549.1.9.16.1.2";
        public const string CompressedData = "1.2.840.113549.1.9.16.1.9";
        public const string AuthEnvelopedData = "1.2.840.113549.1.9.16.1.23";

        // Attributes (RFC 5652 §11, RFC 8551 §2.5).
        public const string ContentTypeAttribute = "1.2.840.113549.1.9.3";
        public const string MessageDigestAttribute = "1.2.840.113549.1.9.4";
        public const string SigningTimeAttribute = "1.2.840.113549.1.9.5";
        public const string CounterSignatureAttribute = "1.2.840.113549.1.9.6";
        public const string SmimeCapabilitiesAttribute = "1.2.840.113549.1.9.15";
        public const string EncryptionKeyPreferenceAttribute = "1.2.840.113549.1.9.16.2.11";

        // Digests (RFC 3370, RFC 5754).
        public const string Md5 = AlgorithmOids.Md5;
        public const string Sha1 = AlgorithmOids.Sha1;
        public const string Sha224 = AlgorithmOids.Sha224;
        public const string Sha256 = AlgorithmOids.Sha256;
        public const string Sha384 = AlgorithmOids.Sha384;
        public const string Sha512 = AlgorithmOids.Sha512;

        // Signatures (RFC 8017, RFC 4055, RFC 5754, RFC 5758, RFC 8419, RFC 3370).
        public const string RsaEncryption = AlgorithmOids.Rsa;
        public const string Md5WithRsa = "1.2.840.113549.1.1.4";
        public const string Sha1WithRsa = "1.2.840.113549.1.1.5";
        public const string Sha224WithRsa = "1.2.840.113549.1.1.14";
        public const string Sha256WithRsa = "1.2.840.113549.1.1.11";
        public const string Sha384WithRsa = "1.2.840.113549.1.1.12";
        public const string Sha512WithRsa = "1.2.840.113549.1.1.13";
        public const string RsaPss = AlgorithmOids.RsaPss;
        public const string Mgf1 = "1.2.840.113549.1.1.8";
        public const string EcPublicKey = AlgorithmOids.EcPublicKey;
        public const string EcdsaWithSha1 = "1.2.840.10045.4.1";
        public const string EcdsaWithSha224 = "1.2.840.10045.4.3.1";
        public const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
        public const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";
        public const string EcdsaWithSha512 = "1.2.840.10045.4.3.4";
        public const string Ed25519 = AlgorithmOids.Ed25519;
        public const string Ed448 = AlgorithmOids.Ed448;
        public const string Dsa = AlgorithmOids.Dsa;
        public const string DsaWithSha1 = "1.2.840.10040.4.3";
        public const string DsaWithSha224 = "2.16.840.1.101.3.4.3.1";
        public const string DsaWithSha256 = "2.16.840.1.101.3.4.3.2";

        // Content encryption (RFC 3565, RFC 5084, RFC 8103, RFC 3370).
        public const string Aes128Cbc = "2.16.840.1.101.3.4.1.2";
        public const string Aes192Cbc = "2.16.840.1.101.3.4.1.22";
        public const string Aes256Cbc = "2.16.840.1.101.3.4.1.42";
        public const string Aes128Gcm = "2.16.840.1.101.3.4.1.6";
        public const string Aes192Gcm = "2.16.840.1.101.3.4.1.26";
        public const string Aes256Gcm = "2.16.840.1.101.3.4.1.46";
        public const string ChaCha20Poly1305 = "1.2.840.113549.1.9.16.3.18";
        public const string TripleDesCbc = "1.2.840.113549.3.7";
        public const string Rc2Cbc = "1.2.840.113549.3.2";
        public const string DesCbc = "1.3.14.3.2.7";

        // Compression (RFC 3274).
        public const string ZlibCompression = "1.2.840.113549.1.9.16.3.8";

        /// <summary>The OID of a content-encryption algorithm (also its SMIMECapability identifier).</summary>
        public static string Of(ContentEncryptionAlgorithm algorithm) => algorithm switch
        {
            ContentEncryptionAlgorithm.Aes256Cbc => Aes256Cbc,
            ContentEncryptionAlgorithm.Aes192Cbc => Aes192Cbc,
            ContentEncryptionAlgorithm.Aes128Cbc => Aes128Cbc,
            ContentEncryptionAlgorithm.Aes256Gcm => Aes256Gcm,
            ContentEncryptionAlgorithm.Aes192Gcm => Aes192Gcm,
            ContentEncryptionAlgorithm.Aes128Gcm => Aes128Gcm,
            ContentEncryptionAlgorithm.ChaCha20Poly1305 => ChaCha20Poly1305,
            ContentEncryptionAlgorithm.TripleDesCbc => TripleDesCbc,
            ContentEncryptionAlgorithm.Rc2Cbc => Rc2Cbc,
            ContentEncryptionAlgorithm.DesCbc => DesCbc,
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
        };

        public static bool TryGetDigest(string oid, out DigestAlgorithm digest)
        {
            switch (oid)
            {
                case Sha256: digest = DigestAlgorithm.Sha256; return true;
                case Sha384: digest = DigestAlgorithm.Sha384; return true;
                case Sha512: digest = DigestAlgorithm.Sha512; return true;
                case Sha224: digest = DigestAlgorithm.Sha224; return true;
                case Sha1: digest = DigestAlgorithm.Sha1; return true;
                case Md5: digest = DigestAlgorithm.Md5; return true;
                default: digest = default; return false;
            }
        }

        public static bool TryGetContentEncryption(string oid, out ContentEncryptionAlgorithm algorithm)
        {
            foreach (ContentEncryptionAlgorithm candidate in Enum.GetValues<ContentEncryptionAlgorithm>())
            {
                if (Of(candidate) == oid)
                {
                    algorithm = candidate;
                    return true;
                }
            }

            algorithm = default;
            return false;
        }

        /// <summary>
        /// The kind of a SignerInfo signatureAlgorithm; null for DSA and algorithms the engine has no enum value for.
        /// The RSA PKCS#1 v1.5 identifiers all map to <see cref="SignatureAlgorithm.RsaPkcs1"/>.
        /// </summary>
        public static SignatureAlgorithm? SignatureKindOf(string oid) => oid switch
        {
            RsaEncryption or Md5WithRsa or Sha1WithRsa or Sha224WithRsa or Sha256WithRsa or Sha384WithRsa or Sha512WithRsa => SignatureAlgorithm.RsaPkcs1,
            RsaPss => SignatureAlgorithm.RsaPss,
            EcPublicKey or EcdsaWithSha1 or EcdsaWithSha224 or EcdsaWithSha256 or EcdsaWithSha384 or EcdsaWithSha512 => SignatureAlgorithm.Ecdsa,
            Ed25519 => SignatureAlgorithm.Ed25519,
            _ => null,
        };

        /// <summary>The OID of ECDSA with a digest (RFC 5758).</summary>
        internal static string EcdsaWith(DigestAlgorithm digest) => digest switch
        {
            DigestAlgorithm.Sha256 => EcdsaWithSha256,
            DigestAlgorithm.Sha384 => EcdsaWithSha384,
            DigestAlgorithm.Sha512 => EcdsaWithSha512,
            DigestAlgorithm.Sha224 => EcdsaWithSha224,
            DigestAlgorithm.Sha1 => EcdsaWithSha1,
            _ => throw new ArgumentOutOfRangeException(nameof(digest), digest, "ECDSA is not defined with this digest."),
        };

        /// <summary>The ASN.1 type name of a CMS content type ("SignedData", "CompressedData"...), or the OID itself.</summary>
        public static string ContentTypeName(string oid) => oid switch
        {
            Data => "Data",
            SignedData => "SignedData",
            EnvelopedData => "EnvelopedData",
            DigestedData => "DigestedData",
            EncryptedData => "EncryptedData",
            AuthenticatedData => "AuthenticatedData",
            CompressedData => "CompressedData",
            AuthEnvelopedData => "AuthEnvelopedData",
            _ => oid,
        };

        /// <summary>A short name for an OID in messages ("SHA-256", "id-Ed25519"), or the OID itself.</summary>
        public static string FriendlyName(string oid) => oid switch
        {
            Md5 => "MD5",
            Sha1 => "SHA-1",
            Sha224 => "SHA-224",
            Sha256 => "SHA-256",
            Sha384 => "SHA-384",
            Sha512 => "SHA-512",
            RsaEncryption => "rsaEncryption",
            Md5WithRsa => "md5WithRSAEncryption",
            Sha1WithRsa => "sha1WithRSAEncryption",
            Sha224WithRsa => "sha224WithRSAEncryption",
            Sha256WithRsa => "sha256WithRSAEncryption",
            Sha384WithRsa => "sha384WithRSAEncryption",
            Sha512WithRsa => "sha512WithRSAEncryption",
            RsaPss => "RSASSA-PSS",
            EcPublicKey => "ecPublicKey",
            EcdsaWithSha1 => "ecdsa-with-SHA1",
            EcdsaWithSha224 => "ecdsa-with-SHA224",
            EcdsaWithSha256 => "ecdsa-with-SHA256",
            EcdsaWithSha384 => "ecdsa-with-SHA384",
            EcdsaWithSha512 => "ecdsa-with-SHA512",
            Ed25519 => "id-Ed25519",
            Ed448 => "id-Ed448",
            Dsa => "DSA",
            DsaWithSha1 => "dsa-with-SHA1",
            DsaWithSha224 => "dsa-with-SHA224",
            DsaWithSha256 => "dsa-with-SHA256",
            Data => "id-data",
            SignedData => "id-signedData",
            EnvelopedData => "id-envelopedData",
            AuthEnvelopedData => "id-ct-authEnvelopedData",
            CompressedData => "id-ct-compressedData",
            _ => oid,
        };
    }
}
