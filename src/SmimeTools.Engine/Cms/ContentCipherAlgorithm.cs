using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// A content-encryption algorithm with its parameters (IV, nonce, ICV length, RC2 effective key bits): read from a
    /// message's AlgorithmIdentifier, or made fresh for a new message.
    /// </summary>
    internal sealed class ContentCipherAlgorithm
    {
        /// <summary>The GCM nonce length RFC 5084 recommends, and what every peer writes.</summary>
        public const int GcmNonceLength = 12;

        /// <summary>The ICV length written: the full 16-byte GCM tag.</summary>
        public const int GcmTagLength = 16;

        public const int ChaChaNonceLength = 12;
        public const int ChaChaTagLength = 16;

        private ContentCipherAlgorithm(ContentEncryptionAlgorithm algorithm, string oid, byte[] iv, int tagLength = 0, int rc2EffectiveBits = 0)
        {
            Algorithm = algorithm;
            Oid = oid;
            Iv = iv;
            TagLength = tagLength;
            Rc2EffectiveBits = rc2EffectiveBits;
        }

        public ContentEncryptionAlgorithm Algorithm { get; }

        public string Oid { get; }

        /// <summary>The CBC IV, or the GCM / ChaCha20-Poly1305 nonce.</summary>
        public byte[] Iv { get; }

        /// <summary>ICV length of an AEAD algorithm in bytes; 0 for CBC.</summary>
        public int TagLength { get; }

        /// <summary>RC2 effective key bits (RFC 2268); 0 for other algorithms.</summary>
        public int Rc2EffectiveBits { get; }

        public bool IsAuthenticated => AlgorithmPolicy.IsAuthenticated(Algorithm);

        public bool IsWeak => AlgorithmPolicy.IsWeak(Algorithm);

        /// <summary>How the algorithm is reported: "AES-256-GCM", "RC2-CBC (40-bit)".</summary>
        public string Name => Algorithm == ContentEncryptionAlgorithm.Rc2Cbc
            ? $"{EnvelopingOids.NameOf(Oid)} ({Rc2EffectiveBits}-bit)"
            : EnvelopingOids.NameOf(Oid);

        /// <summary>Length of a fresh content-encryption key in bytes.</summary>
        public int KeyLength => AlgorithmPolicy.KeySize(Algorithm);

        public static string OidOf(ContentEncryptionAlgorithm algorithm) => algorithm switch
        {
            ContentEncryptionAlgorithm.Aes128Cbc => EnvelopingOids.Aes128Cbc,
            ContentEncryptionAlgorithm.Aes192Cbc => EnvelopingOids.Aes192Cbc,
            ContentEncryptionAlgorithm.Aes256Cbc => EnvelopingOids.Aes256Cbc,
            ContentEncryptionAlgorithm.Aes128Gcm => EnvelopingOids.Aes128Gcm,
            ContentEncryptionAlgorithm.Aes192Gcm => EnvelopingOids.Aes192Gcm,
            ContentEncryptionAlgorithm.Aes256Gcm => EnvelopingOids.Aes256Gcm,
            ContentEncryptionAlgorithm.ChaCha20Poly1305 => EnvelopingOids.ChaCha20Poly1305,
            ContentEncryptionAlgorithm.TripleDesCbc => EnvelopingOids.TripleDesCbc,
            ContentEncryptionAlgorithm.Rc2Cbc => EnvelopingOids.Rc2Cbc,
            ContentEncryptionAlgorithm.DesCbc => EnvelopingOids.DesCbc,
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
        };

        /// <summary>The algorithm an OID names, or null when it is not a content-encryption algorithm this engine knows.</summary>
        public static ContentEncryptionAlgorithm? FromOid(string oid) => oid switch
        {
            EnvelopingOids.Aes128Cbc => ContentEncryptionAlgorithm.Aes128Cbc,
            EnvelopingOids.Aes192Cbc => ContentEncryptionAlgorithm.Aes192Cbc,
            EnvelopingOids.Aes256Cbc => ContentEncryptionAlgorithm.Aes256Cbc,
            EnvelopingOids.Aes128Gcm => ContentEncryptionAlgorithm.Aes128Gcm,
            EnvelopingOids.Aes192Gcm => ContentEncryptionAlgorithm.Aes192Gcm,
            EnvelopingOids.Aes256Gcm => ContentEncryptionAlgorithm.Aes256Gcm,
            EnvelopingOids.ChaCha20Poly1305 => ContentEncryptionAlgorithm.ChaCha20Poly1305,
            EnvelopingOids.TripleDesCbc => ContentEncryptionAlgorithm.TripleDesCbc,
            EnvelopingOids.Rc2Cbc => ContentEncryptionAlgorithm.Rc2Cbc,
            EnvelopingOids.DesCbc => ContentEncryptionAlgorithm.DesCbc,
            _ => null,
        };

        /// <summary>A fresh algorithm instance for a new message: random IV or nonce.</summary>
        public static ContentCipherAlgorithm ForEncryption(ContentEncryptionAlgorithm algorithm)
        {
            string oid = OidOf(algorithm);
            return algorithm switch
            {
                ContentEncryptionAlgorithm.Aes128Gcm or ContentEncryptionAlgorithm.Aes192Gcm or ContentEncryptionAlgorithm.Aes256Gcm =>
                    new ContentCipherAlgorithm(algorithm, oid, RandomNumberGenerator.GetBytes(GcmNonceLength), GcmTagLength),
                ContentEncryptionAlgorithm.ChaCha20Poly1305 =>
                    new ContentCipherAlgorithm(algorithm, oid, RandomNumberGenerator.GetBytes(ChaChaNonceLength), ChaChaTagLength),
                ContentEncryptionAlgorithm.Rc2Cbc => new ContentCipherAlgorithm(algorithm, oid, RandomNumberGenerator.GetBytes(8), rc2EffectiveBits: 128),
                ContentEncryptionAlgorithm.TripleDesCbc or ContentEncryptionAlgorithm.DesCbc =>
                    new ContentCipherAlgorithm(algorithm, oid, RandomNumberGenerator.GetBytes(8)),
                _ => new ContentCipherAlgorithm(algorithm, oid, RandomNumberGenerator.GetBytes(16)),
            };
        }

        /// <summary>
        /// Reads a message's content-encryption AlgorithmIdentifier. Unknown algorithms throw
        /// <see cref="ErrorIds.UnsupportedAlgorithm"/>; known ones with broken parameters <see cref="ErrorIds.MalformedMessage"/>.
        /// </summary>
        public static ContentCipherAlgorithm Parse(AlgorithmIdentifier identifier)
        {
            string oid = identifier.Algorithm.Id;
            ContentEncryptionAlgorithm algorithm = FromOid(oid)
                ?? throw EnvelopedErrors.UnsupportedAlgorithm($"the content is encrypted with an algorithm this module does not know ({oid})");
            Asn1Encodable? parameters = identifier.Parameters;
            try
            {
                switch (algorithm)
                {
                    case ContentEncryptionAlgorithm.Aes128Gcm:
                    case ContentEncryptionAlgorithm.Aes192Gcm:
                    case ContentEncryptionAlgorithm.Aes256Gcm:
                        var gcm = GcmParameters.GetInstance(parameters ?? throw new ArgumentException("no GCM parameters"));
                        int icv = gcm.IcvLen;
                        if (icv < 12 || icv > 16)
                        {
                            throw new ArgumentException($"GCM ICV length {icv} is outside 12..16");
                        }

                        var nonce = gcm.GetNonce();
                        if (nonce.Length == 0)
                        {
                            throw new ArgumentException("empty GCM nonce");
                        }

                        return new ContentCipherAlgorithm(algorithm, oid, nonce, icv);
                    case ContentEncryptionAlgorithm.ChaCha20Poly1305:
                        var chachaNonce = Asn1OctetString.GetInstance(parameters ?? throw new ArgumentException("no nonce")).GetOctets();
                        if (chachaNonce.Length != ChaChaNonceLength)
                        {
                            throw new ArgumentException("ChaCha20-Poly1305 nonce is not 12 bytes");
                        }

                        return new ContentCipherAlgorithm(algorithm, oid, chachaNonce, ChaChaTagLength);
                    case ContentEncryptionAlgorithm.Rc2Cbc:
                        return ParseRc2(oid, parameters);
                    default:
                        var iv = Asn1OctetString.GetInstance(parameters ?? throw new ArgumentException("no IV")).GetOctets();
                        int blockSize = algorithm is ContentEncryptionAlgorithm.TripleDesCbc or ContentEncryptionAlgorithm.DesCbc ? 8 : 16;
                        if (iv.Length != blockSize)
                        {
                            throw new ArgumentException($"the IV is {iv.Length} bytes, not {blockSize}");
                        }

                        return new ContentCipherAlgorithm(algorithm, oid, iv);
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException or InvalidOperationException)
            {
                throw EnvelopedErrors.Malformed($"the parameters of its {EnvelopingOids.NameOf(oid)} content encryption are damaged ({e.Message})", e);
            }
        }

        /// <summary>The AlgorithmIdentifier written into a new message.</summary>
        public AlgorithmIdentifier ToAlgorithmIdentifier()
        {
            var oid = new DerObjectIdentifier(Oid);
            return Algorithm switch
            {
                ContentEncryptionAlgorithm.Aes128Gcm or ContentEncryptionAlgorithm.Aes192Gcm or ContentEncryptionAlgorithm.Aes256Gcm =>
                    new AlgorithmIdentifier(oid, new GcmParameters(Iv, TagLength)),
                ContentEncryptionAlgorithm.Rc2Cbc => new AlgorithmIdentifier(oid, new RC2CbcParameter(Rc2Version(Rc2EffectiveBits), Iv)),
                _ => new AlgorithmIdentifier(oid, new DerOctetString(Iv)),
            };
        }

        /// <summary>A random content-encryption key of the right length (3DES and DES keys with odd parity).</summary>
        public byte[] GenerateKey() => KeyFrom(RandomNumberGenerator.GetBytes(KeyLength));

        /// <summary><paramref name="material"/> (<see cref="KeyLength"/> bytes) made a key of this algorithm: DES keys get their parity bits.</summary>
        public byte[] KeyFrom(byte[] material)
        {
            if (Algorithm is ContentEncryptionAlgorithm.TripleDesCbc or ContentEncryptionAlgorithm.DesCbc)
            {
                DesParameters.SetOddParity(material);
            }

            return material;
        }

        /// <summary>True when a recovered key has a length this algorithm can use.</summary>
        public bool AcceptsKeyLength(int length) => Algorithm == ContentEncryptionAlgorithm.Rc2Cbc
            ? length is >= 1 and <= 128
            : length == KeyLength;

        public ContentCipher CreateEncryptor(byte[] key) => ContentCipher.Create(this, key, forEncryption: true);

        public ContentCipher CreateDecryptor(byte[] key) => ContentCipher.Create(this, key, forEncryption: false);

        // RFC 2268 §6: effective key bits below 256 are encoded through a table; these are the sizes S/MIME ever used.
        private static int Rc2Version(int effectiveBits) => effectiveBits switch
        {
            40 => 160,
            64 => 120,
            128 => 58,
            >= 256 => effectiveBits,
            _ => throw new ArgumentOutOfRangeException(nameof(effectiveBits), effectiveBits, "RC2 effective key bits must be 40, 64, 128 or at least 256."),
        };

        private static ContentCipherAlgorithm ParseRc2(string oid, Asn1Encodable? parameters)
        {
            if (parameters is Asn1OctetString bareIv)
            {
                // The oldest form: only the IV, meaning 32 effective bits (RFC 2268 §6).
                return new ContentCipherAlgorithm(ContentEncryptionAlgorithm.Rc2Cbc, oid, CheckRc2Iv(bareIv.GetOctets()), rc2EffectiveBits: 32);
            }

            var rc2 = RC2CbcParameter.GetInstance(parameters ?? throw new ArgumentException("no RC2 parameters"));
            int bits;
            if (rc2.RC2ParameterVersionData == null)
            {
                bits = 32;
            }
            else
            {
                int version = rc2.RC2ParameterVersionData.IntValueExact;
                bits = version switch
                {
                    160 => 40,
                    120 => 64,
                    58 => 128,
                    >= 256 => version,
                    _ => throw EnvelopedErrors.UnsupportedAlgorithm(
                        $"the content is RC2-encrypted with parameter version {version}, an effective key size other than 40, 64 or 128 bits"),
                };
            }

            return new ContentCipherAlgorithm(ContentEncryptionAlgorithm.Rc2Cbc, oid, CheckRc2Iv(rc2.GetIV()), rc2EffectiveBits: bits);
        }

        private static byte[] CheckRc2Iv(byte[] iv) =>
            iv.Length == 8 ? iv : throw new ArgumentException($"the RC2 IV is {iv.Length} bytes, not 8");
    }
}
