using System.Security.Cryptography;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// A key agreement scheme of KeyAgreeRecipientInfo: single-pass (ephemeral-static) Diffie-Hellman with the ANSI X9.63 KDF
    /// (RFC 5753) or HKDF (RFC 8418), and its hash.
    /// </summary>
    internal sealed class KeyAgreementScheme
    {
        private KeyAgreementScheme(string oid, bool usesHkdf, HashAlgorithmName hash)
        {
            Oid = oid;
            UsesHkdf = usesHkdf;
            Hash = hash;
        }

        public string Oid { get; }

        /// <summary>True for HKDF (RFC 5869), false for the ANSI X9.63 KDF.</summary>
        public bool UsesHkdf { get; }

        public HashAlgorithmName Hash { get; }

        /// <summary>
        /// The scheme an OID names, or null when it is not one this module runs. The cofactor schemes are read as the
        /// standard ones: every curve this module supports has cofactor 1, where the two give the same shared secret.
        /// MQV is not supported.
        /// </summary>
        public static KeyAgreementScheme? FromOid(string oid) => oid switch
        {
            EnvelopingOids.StdDhSha1Kdf or EnvelopingOids.CofactorDhSha1Kdf => new(oid, false, HashAlgorithmName.SHA1),
            EnvelopingOids.StdDhSha224Kdf or EnvelopingOids.CofactorDhSha224Kdf => new(oid, false, Sha224),
            EnvelopingOids.StdDhSha256Kdf or EnvelopingOids.CofactorDhSha256Kdf => new(oid, false, HashAlgorithmName.SHA256),
            EnvelopingOids.StdDhSha384Kdf or EnvelopingOids.CofactorDhSha384Kdf => new(oid, false, HashAlgorithmName.SHA384),
            EnvelopingOids.StdDhSha512Kdf or EnvelopingOids.CofactorDhSha512Kdf => new(oid, false, HashAlgorithmName.SHA512),
            EnvelopingOids.StdDhHkdfSha256 => new(oid, true, HashAlgorithmName.SHA256),
            EnvelopingOids.StdDhHkdfSha384 => new(oid, true, HashAlgorithmName.SHA384),
            EnvelopingOids.StdDhHkdfSha512 => new(oid, true, HashAlgorithmName.SHA512),
            _ => null,
        };

        /// <summary>SHA-224 has no <see cref="HashAlgorithmName"/> member; the KDF computes it through BouncyCastle.</summary>
        public static HashAlgorithmName Sha224 { get; } = new("SHA224");
    }
}
