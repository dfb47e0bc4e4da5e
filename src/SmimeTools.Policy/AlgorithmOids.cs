using System.Security.Cryptography;

namespace SmimeTools.Engine.Policy
{
    /// <summary>
    /// The object identifiers of public-key and digest algorithms, and the digest enum's mapping to them and to .NET's
    /// hash names: one table for every layer, so no layer spells an OID of its own.
    /// </summary>
    public static class AlgorithmOids
    {
        // Public keys (RFC 3279, RFC 4055, RFC 5480, RFC 8410).
        public const string Rsa = "1.2.840.113549.1.1.1";
        public const string RsaOaep = "1.2.840.113549.1.1.7";
        public const string RsaPss = "1.2.840.113549.1.1.10";
        public const string EcPublicKey = "1.2.840.10045.2.1";
        public const string Dsa = "1.2.840.10040.4.1";
        public const string X25519 = "1.3.101.110";
        public const string X448 = "1.3.101.111";
        public const string Ed25519 = "1.3.101.112";
        public const string Ed448 = "1.3.101.113";

        // Digests (RFC 3370, RFC 5754).
        public const string Md5 = "1.2.840.113549.2.5";
        public const string Sha1 = "1.3.14.3.2.26";
        public const string Sha224 = "2.16.840.1.101.3.4.2.4";
        public const string Sha256 = "2.16.840.1.101.3.4.2.1";
        public const string Sha384 = "2.16.840.1.101.3.4.2.2";
        public const string Sha512 = "2.16.840.1.101.3.4.2.3";

        /// <summary>The OID of a digest algorithm.</summary>
        public static string Of(DigestAlgorithm digest) => digest switch
        {
            DigestAlgorithm.Sha256 => Sha256,
            DigestAlgorithm.Sha384 => Sha384,
            DigestAlgorithm.Sha512 => Sha512,
            DigestAlgorithm.Sha224 => Sha224,
            DigestAlgorithm.Sha1 => Sha1,
            DigestAlgorithm.Md5 => Md5,
            _ => throw new System.ArgumentOutOfRangeException(nameof(digest), digest, null),
        };

        /// <summary>The digest an OID names; null for one that is not a digest this module knows.</summary>
        public static DigestAlgorithm? DigestOf(string oid) => oid switch
        {
            Sha256 => DigestAlgorithm.Sha256,
            Sha384 => DigestAlgorithm.Sha384,
            Sha512 => DigestAlgorithm.Sha512,
            Sha224 => DigestAlgorithm.Sha224,
            Sha1 => DigestAlgorithm.Sha1,
            Md5 => DigestAlgorithm.Md5,
            _ => null,
        };

        /// <summary>.NET's name for the digest; null for SHA-224, which .NET's hashing does not offer.</summary>
        public static HashAlgorithmName? HashNameOf(DigestAlgorithm digest) => digest switch
        {
            DigestAlgorithm.Sha256 => HashAlgorithmName.SHA256,
            DigestAlgorithm.Sha384 => HashAlgorithmName.SHA384,
            DigestAlgorithm.Sha512 => HashAlgorithmName.SHA512,
            DigestAlgorithm.Sha1 => HashAlgorithmName.SHA1,
            DigestAlgorithm.Md5 => HashAlgorithmName.MD5,
            _ => null,
        };
    }
}
