using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// What counts as weak on a certificate or CRL. Broken (an error unless weak algorithms are allowed): MD2 and MD5
    /// signatures, RSA and DSA keys below 1024 bits. Weak (a warning): SHA-1 signatures, RSA and DSA keys below
    /// <see cref="Policy.AlgorithmPolicy.MinimumRsaKeySize"/>, elliptic curves below 224 bits.
    /// </summary>
    internal static class AlgorithmStrength
    {
        private const int BrokenKeySize = 1024;

        /// <summary>The digest of a signature algorithm when it is weak ("SHA-1") or broken ("MD5"); null when strong.</summary>
        public static string? WeakDigest(AlgorithmIdentifier algorithm, out bool broken)
        {
            broken = false;
            switch (algorithm.Algorithm.Id)
            {
                case "1.2.840.113549.1.1.2":
                    broken = true;
                    return "MD2";
                case "1.2.840.113549.1.1.3":
                    broken = true;
                    return "MD4";
                case "1.2.840.113549.1.1.4":
                case "1.3.14.3.2.3":
                case "1.3.14.3.2.25":
                    broken = true;
                    return "MD5";
                case "1.2.840.113549.1.1.5":
                case "1.3.14.3.2.29":
                case "1.2.840.10040.4.3":
                case "1.3.14.3.2.27":
                case "1.2.840.10045.4.1":
                    return "SHA-1";
                case "1.2.840.113549.1.1.10":
                    try
                    {
                        var pss = RsassaPssParameters.GetInstance(algorithm.Parameters);
                        return pss.HashAlgorithm.Algorithm.Id == AlgorithmOids.Sha1 ? "SHA-1" : null;
                    }
                    catch (System.ArgumentException)
                    {
                        return null;
                    }

                default:
                    return null;
            }
        }

        /// <summary>A description of the key ("1024-bit RSA") when it is weak or broken; null when strong.</summary>
        public static string? WeakKey(KeyInfo? key, out bool broken)
        {
            broken = false;
            if (key == null)
            {
                return null;
            }

            int bits;
            string kind;
            if (key.RsaBits is int rsaBits)
            {
                broken = rsaBits < BrokenKeySize;
                return rsaBits < Policy.AlgorithmPolicy.MinimumRsaKeySize ? $"{rsaBits}-bit RSA" : null;
            }

            switch (key.Bc)
            {
                case DsaPublicKeyParameters { Parameters: not null } dsa:
                    bits = dsa.Parameters.P.BitLength;
                    kind = "DSA";
                    broken = bits < BrokenKeySize;
                    return bits < Policy.AlgorithmPolicy.MinimumRsaKeySize ? $"{bits}-bit {kind}" : null;
                case ECPublicKeyParameters ec:
                    bits = ec.Parameters.Curve.FieldSize;
                    broken = bits < 160;
                    return bits < 224 ? $"{bits}-bit elliptic-curve" : null;
                default:
                    return null;
            }
        }

        /// <summary>Friendly name of a signature algorithm OID.</summary>
        public static string SignatureName(DerObjectIdentifier oid)
        {
            try
            {
                var friendly = new System.Security.Cryptography.Oid(oid.Id).FriendlyName;
                return string.IsNullOrEmpty(friendly) ? oid.Id : friendly;
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                return oid.Id;
            }
        }
    }
}
