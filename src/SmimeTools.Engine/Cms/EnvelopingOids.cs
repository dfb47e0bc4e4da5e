using System.Collections.Generic;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// The object identifiers EnvelopedData and AuthEnvelopedData use (RFC 5652, 5083, 5084, 3370, 3565, 4055,
    /// 5753, 8103, 8418), and the names they are reported by.
    /// </summary>
    /// <remarks>OIDs CmsOid already names are taken from there; only the enveloping-specific ones are spelled out here.</remarks>
    internal static class EnvelopingOids
    {
        public const string Data = CmsOid.Data;
        public const string EnvelopedData = CmsOid.EnvelopedData;
        public const string AuthEnvelopedData = CmsOid.AuthEnvelopedData;

        public const string Aes128Cbc = CmsOid.Aes128Cbc;
        public const string Aes192Cbc = CmsOid.Aes192Cbc;
        public const string Aes256Cbc = CmsOid.Aes256Cbc;
        public const string Aes128Gcm = CmsOid.Aes128Gcm;
        public const string Aes192Gcm = CmsOid.Aes192Gcm;
        public const string Aes256Gcm = CmsOid.Aes256Gcm;
        public const string ChaCha20Poly1305 = CmsOid.ChaCha20Poly1305;
        public const string TripleDesCbc = CmsOid.TripleDesCbc;
        public const string Rc2Cbc = CmsOid.Rc2Cbc;
        public const string DesCbc = CmsOid.DesCbc;

        public const string Aes128Wrap = "2.16.840.1.101.3.4.1.5";
        public const string Aes192Wrap = "2.16.840.1.101.3.4.1.25";
        public const string Aes256Wrap = "2.16.840.1.101.3.4.1.45";
        public const string Aes128WrapPad = "2.16.840.1.101.3.4.1.8";
        public const string Aes192WrapPad = "2.16.840.1.101.3.4.1.28";
        public const string Aes256WrapPad = "2.16.840.1.101.3.4.1.48";
        public const string TripleDesWrap = "1.2.840.113549.1.9.16.3.6";
        public const string Rc2Wrap = "1.2.840.113549.1.9.16.3.7";

        public const string RsaEncryption = CmsOid.RsaEncryption;
        public const string RsaesOaep = AlgorithmOids.RsaOaep;
        public const string Mgf1 = CmsOid.Mgf1;
        public const string PSpecified = "1.2.840.113549.1.1.9";

        public const string Sha1 = CmsOid.Sha1;
        public const string Sha224 = CmsOid.Sha224;
        public const string Sha256 = CmsOid.Sha256;
        public const string Sha384 = CmsOid.Sha384;
        public const string Sha512 = CmsOid.Sha512;

        public const string EcPublicKey = CmsOid.EcPublicKey;
        public const string X25519 = AlgorithmOids.X25519;
        public const string X448 = AlgorithmOids.X448;
        public const string P256 = "1.2.840.10045.3.1.7";
        public const string P384 = "1.3.132.0.34";
        public const string P521 = "1.3.132.0.35";

        // Key agreement schemes: ANSI X9.63 KDF with the named hash (RFC 5753), or HKDF (RFC 8418).
        public const string StdDhSha1Kdf = "1.3.133.16.840.63.0.2";
        public const string CofactorDhSha1Kdf = "1.3.133.16.840.63.0.3";
        public const string MqvSha1Kdf = "1.3.133.16.840.63.0.16";
        public const string StdDhSha224Kdf = "1.3.132.1.11.0";
        public const string StdDhSha256Kdf = "1.3.132.1.11.1";
        public const string StdDhSha384Kdf = "1.3.132.1.11.2";
        public const string StdDhSha512Kdf = "1.3.132.1.11.3";
        public const string CofactorDhSha224Kdf = "1.3.132.1.14.0";
        public const string CofactorDhSha256Kdf = "1.3.132.1.14.1";
        public const string CofactorDhSha384Kdf = "1.3.132.1.14.2";
        public const string CofactorDhSha512Kdf = "1.3.132.1.14.3";
        public const string StdDhHkdfSha256 = "1.2.840.113549.1.9.16.3.19";
        public const string StdDhHkdfSha384 = "1.2.840.113549.1.9.16.3.20";
        public const string StdDhHkdfSha512 = "1.2.840.113549.1.9.16.3.21";

        public const string PwriKek = "1.2.840.113549.1.9.16.3.9";
        public const string SubjectKeyIdentifier = "2.5.29.14";

        private static readonly Dictionary<string, string> Names = new()
        {
            [Data] = "data",
            [EnvelopedData] = "envelopedData",
            [AuthEnvelopedData] = "authEnvelopedData",
            [Aes128Cbc] = "AES-128-CBC",
            [Aes192Cbc] = "AES-192-CBC",
            [Aes256Cbc] = "AES-256-CBC",
            [Aes128Gcm] = "AES-128-GCM",
            [Aes192Gcm] = "AES-192-GCM",
            [Aes256Gcm] = "AES-256-GCM",
            [ChaCha20Poly1305] = "ChaCha20-Poly1305",
            [TripleDesCbc] = "3DES-CBC",
            [Rc2Cbc] = "RC2-CBC",
            [DesCbc] = "DES-CBC",
            [Aes128Wrap] = "AES-128 key wrap",
            [Aes192Wrap] = "AES-192 key wrap",
            [Aes256Wrap] = "AES-256 key wrap",
            [Aes128WrapPad] = "AES-128 key wrap with padding",
            [Aes192WrapPad] = "AES-192 key wrap with padding",
            [Aes256WrapPad] = "AES-256 key wrap with padding",
            [TripleDesWrap] = "3DES key wrap",
            [Rc2Wrap] = "RC2 key wrap",
            [RsaEncryption] = "RSA PKCS#1 v1.5",
            [RsaesOaep] = "RSA-OAEP",
            [StdDhSha1Kdf] = "ECDH (X9.63 KDF, SHA-1)",
            [CofactorDhSha1Kdf] = "ECDH cofactor (X9.63 KDF, SHA-1)",
            [MqvSha1Kdf] = "ECMQV (X9.63 KDF, SHA-1)",
            [StdDhSha224Kdf] = "ECDH (X9.63 KDF, SHA-224)",
            [StdDhSha256Kdf] = "ECDH (X9.63 KDF, SHA-256)",
            [StdDhSha384Kdf] = "ECDH (X9.63 KDF, SHA-384)",
            [StdDhSha512Kdf] = "ECDH (X9.63 KDF, SHA-512)",
            [CofactorDhSha224Kdf] = "ECDH cofactor (X9.63 KDF, SHA-224)",
            [CofactorDhSha256Kdf] = "ECDH cofactor (X9.63 KDF, SHA-256)",
            [CofactorDhSha384Kdf] = "ECDH cofactor (X9.63 KDF, SHA-384)",
            [CofactorDhSha512Kdf] = "ECDH cofactor (X9.63 KDF, SHA-512)",
            [StdDhHkdfSha256] = "ECDH (HKDF-SHA-256)",
            [StdDhHkdfSha384] = "ECDH (HKDF-SHA-384)",
            [StdDhHkdfSha512] = "ECDH (HKDF-SHA-512)",
            [PwriKek] = "password-based key wrap",
            [Sha1] = "SHA-1",
            [Sha224] = "SHA-224",
            [Sha256] = "SHA-256",
            [Sha384] = "SHA-384",
            [Sha512] = "SHA-512",
        };

        /// <summary>A readable name for an OID, or the dotted OID itself when it is not one of ours.</summary>
        public static string NameOf(string oid) => Names.TryGetValue(oid, out var name) ? name : oid;
    }
}
