using System;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// Lets .NET's certificate and CRL builders sign through an <see cref="ISigningKey"/>, so a CA key in a file, a store
    /// or on a token issues the same way: the builders hand over the TBS bytes, the key signs them.
    /// </summary>
    internal sealed class SigningKeySignatureGenerator : X509SignatureGenerator
    {
        private readonly ISigningKey _key;

        public SigningKeySignatureGenerator(ISigningKey key)
        {
            _key = key ?? throw new ArgumentNullException(nameof(key));
            if (key.Algorithm is not (KeyAlgorithmKind.Rsa or KeyAlgorithmKind.Ec or KeyAlgorithmKind.Ed25519))
            {
                throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                    $"The {key.Algorithm} key of '{key.Certificate.Subject}' cannot sign certificates.",
                    "Use a CA whose key is RSA, EC (P-256, P-384, P-521) or Ed25519.", key.Certificate);
            }
        }

        /// <summary>The digest a CA key signs with: SHA-384 and SHA-512 for the larger curves, SHA-256 otherwise.</summary>
        public static HashAlgorithmName DigestFor(ISigningKey key)
        {
            ArgumentNullException.ThrowIfNull(key);
            if (key.Algorithm == KeyAlgorithmKind.Ec)
            {
                var size = KeyAlgorithms.SizeOf(key.Certificate);
                return size > 384 ? HashAlgorithmName.SHA512 : size > 256 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;
            }

            return HashAlgorithmName.SHA256;
        }

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                switch (_key.Algorithm)
                {
                    case KeyAlgorithmKind.Rsa:
                        writer.WriteObjectIdentifier(Choose(hashAlgorithm, "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13"));
                        writer.WriteNull();
                        break;
                    case KeyAlgorithmKind.Ec:
                        writer.WriteObjectIdentifier(Choose(hashAlgorithm, "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4"));
                        break;
                    default:
                        writer.WriteObjectIdentifier(AlgorithmOids.Ed25519);
                        break;
                }
            }

            return writer.Encode();
        }

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
        {
            var digest = DigestOf(hashAlgorithm);
            var algorithm = _key.Algorithm switch
            {
                KeyAlgorithmKind.Rsa => SignatureAlgorithm.RsaPkcs1,
                KeyAlgorithmKind.Ec => SignatureAlgorithm.Ecdsa,
                _ => SignatureAlgorithm.Ed25519,
            };

            // ISigningKey returns ECDSA signatures as Ecdsa-Sig-Value DER, which is what X.509 carries too.
            return _key.Sign(data, digest, algorithm);
        }

        protected override PublicKey BuildPublicKey() => _key.Certificate.PublicKey;

        private static string Choose(HashAlgorithmName hash, string sha256, string sha384, string sha512) =>
            hash == HashAlgorithmName.SHA256 ? sha256
            : hash == HashAlgorithmName.SHA384 ? sha384
            : hash == HashAlgorithmName.SHA512 ? sha512
            : throw new ArgumentOutOfRangeException(nameof(hash), hash, "Certificates are signed with SHA-256, SHA-384 or SHA-512.");

        private static DigestAlgorithm DigestOf(HashAlgorithmName hash) =>
            hash == HashAlgorithmName.SHA256 ? DigestAlgorithm.Sha256
            : hash == HashAlgorithmName.SHA384 ? DigestAlgorithm.Sha384
            : hash == HashAlgorithmName.SHA512 ? DigestAlgorithm.Sha512
            : throw new ArgumentOutOfRangeException(nameof(hash), hash, "Certificates are signed with SHA-256, SHA-384 or SHA-512.");
    }
}
