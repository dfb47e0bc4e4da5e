using System;

namespace SmimeTools.Engine.Policy
{
    /// <summary>What counts as weak, and the defaults for new messages (DESIGN.md §4).</summary>
    public static class AlgorithmPolicy
    {
        /// <summary>The smallest RSA key accepted for new signatures and encryption without an explicit opt-in.</summary>
        public const int MinimumRsaKeySize = 2048;

        public const DigestAlgorithm DefaultDigest = DigestAlgorithm.Sha256;

        public const ContentEncryptionAlgorithm DefaultContentEncryption = ContentEncryptionAlgorithm.Aes256Cbc;

        public const KeyEncryptionAlgorithm DefaultKeyEncryption = KeyEncryptionAlgorithm.RsaPkcs1;

        public static bool IsWeak(DigestAlgorithm digest) => digest is DigestAlgorithm.Sha1 or DigestAlgorithm.Md5;

        public static bool IsWeak(ContentEncryptionAlgorithm algorithm) =>
            algorithm is ContentEncryptionAlgorithm.TripleDesCbc or ContentEncryptionAlgorithm.Rc2Cbc or ContentEncryptionAlgorithm.DesCbc;

        /// <summary>True for authenticated encryption, which is carried in AuthEnvelopedData rather than EnvelopedData.</summary>
        public static bool IsAuthenticated(ContentEncryptionAlgorithm algorithm) =>
            algorithm is ContentEncryptionAlgorithm.Aes128Gcm or ContentEncryptionAlgorithm.Aes192Gcm
                or ContentEncryptionAlgorithm.Aes256Gcm or ContentEncryptionAlgorithm.ChaCha20Poly1305;

        /// <summary>The key length in bytes of a content-encryption algorithm.</summary>
        public static int KeySize(ContentEncryptionAlgorithm algorithm) => algorithm switch
        {
            ContentEncryptionAlgorithm.Aes128Cbc or ContentEncryptionAlgorithm.Aes128Gcm => 16,
            ContentEncryptionAlgorithm.Aes192Cbc or ContentEncryptionAlgorithm.Aes192Gcm => 24,
            ContentEncryptionAlgorithm.Aes256Cbc or ContentEncryptionAlgorithm.Aes256Gcm or ContentEncryptionAlgorithm.ChaCha20Poly1305 => 32,
            ContentEncryptionAlgorithm.TripleDesCbc => 24,
            ContentEncryptionAlgorithm.Rc2Cbc => 16,
            ContentEncryptionAlgorithm.DesCbc => 8,
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
        };

        /// <summary>The micalg parameter of multipart/signed (RFC 8551 §3.5.3.2).</summary>
        public static string MicAlg(DigestAlgorithm digest) => digest switch
        {
            DigestAlgorithm.Sha256 => "sha-256",
            DigestAlgorithm.Sha384 => "sha-384",
            DigestAlgorithm.Sha512 => "sha-512",
            DigestAlgorithm.Sha224 => "sha-224",
            DigestAlgorithm.Sha1 => "sha-1",
            DigestAlgorithm.Md5 => "md5",
            _ => throw new ArgumentOutOfRangeException(nameof(digest), digest, null),
        };
    }
}
