using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// RSA signatures on certificates, CRLs and OCSP answers, verified with .NET's RSA. BouncyCastle's RSA public key
    /// object re-tests the modulus for primality when it is made (about 25 ms for 2048 bits), which every issuer check
    /// would pay again; .NET does not.
    /// </summary>
    internal static class RsaSignatures
    {
        private const string PssOid = "1.2.840.113549.1.1.10";

        /// <summary>
        /// Verifies a PKCS#1 v1.5 or usual-parameters PSS signature with the RSA key <paramref name="spkiDer"/>. False
        /// when the algorithm is one .NET does not verify; <paramref name="valid"/> is then meaningless.
        /// </summary>
        public static bool TryVerify(byte[] spkiDer, AlgorithmIdentifier algorithm, byte[] data, byte[] signature, out bool valid)
        {
            valid = false;
            HashAlgorithmName hash;
            RSASignaturePadding padding = RSASignaturePadding.Pkcs1;
            switch (algorithm.Algorithm.Id)
            {
                case "1.2.840.113549.1.1.5":
                case "1.3.14.3.2.29":
                    hash = HashAlgorithmName.SHA1;
                    break;
                case "1.2.840.113549.1.1.11":
                    hash = HashAlgorithmName.SHA256;
                    break;
                case "1.2.840.113549.1.1.12":
                    hash = HashAlgorithmName.SHA384;
                    break;
                case "1.2.840.113549.1.1.13":
                    hash = HashAlgorithmName.SHA512;
                    break;
                case PssOid:
                    if (!TryReadPss(algorithm, out hash))
                    {
                        return false;
                    }

                    padding = RSASignaturePadding.Pss;
                    break;
                default:
                    return false;
            }

            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(spkiDer, out _);
            valid = rsa.VerifyData(data, signature, hash, padding);
            return true;
        }

        /// <summary>Whether two AlgorithmIdentifiers are the same (absent and NULL parameters count as equal).</summary>
        public static bool SameAlgorithm(AlgorithmIdentifier a, AlgorithmIdentifier b)
        {
            if (!a.Algorithm.Equals(b.Algorithm))
            {
                return false;
            }

            bool aEmpty = a.Parameters == null || a.Parameters is DerNull;
            bool bEmpty = b.Parameters == null || b.Parameters is DerNull;
            if (aEmpty || bEmpty)
            {
                return aEmpty && bEmpty;
            }

            return a.Parameters!.ToAsn1Object().Equals(b.Parameters!.ToAsn1Object());
        }

        /// <summary>PSS that .NET verifies: MGF1 with the same hash, salt as long as the hash, trailer 1.</summary>
        private static bool TryReadPss(AlgorithmIdentifier algorithm, out HashAlgorithmName hash)
        {
            hash = default;
            var parameters = Org.BouncyCastle.Asn1.Pkcs.RsassaPssParameters.GetInstance(algorithm.Parameters);
            string hashOid = parameters.HashAlgorithm.Algorithm.Id;
            (hash, int length) = hashOid switch
            {
                AlgorithmOids.Sha1 => (HashAlgorithmName.SHA1, 20),
                AlgorithmOids.Sha256 => (HashAlgorithmName.SHA256, 32),
                AlgorithmOids.Sha384 => (HashAlgorithmName.SHA384, 48),
                AlgorithmOids.Sha512 => (HashAlgorithmName.SHA512, 64),
                _ => (default(HashAlgorithmName), 0),
            };
            if (length == 0 || parameters.SaltLength.IntValueExact != length || parameters.TrailerField.IntValueExact != 1
                || parameters.MaskGenAlgorithm.Algorithm.Id != "1.2.840.113549.1.1.8")
            {
                return false;
            }

            var mgfHash = AlgorithmIdentifier.GetInstance(parameters.MaskGenAlgorithm.Parameters);
            return mgfHash.Algorithm.Id == hashOid;
        }
    }
}
