using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>Small facts about an identity's key, as the import and export records show them.</summary>
    internal static class IdentityFacts
    {
        public static string KeyAlgorithmOf(X509Certificate2 certificate)
        {
            var oid = certificate.PublicKey.Oid.Value;
            switch (oid)
            {
                case AlgorithmOids.Rsa:
                    using (var rsa = certificate.GetRSAPublicKey())
                    {
                        return $"RSA {rsa?.KeySize}";
                    }

                case AlgorithmOids.EcPublicKey:
                    return "EC " + CurveName(certificate);
                case AlgorithmOids.Dsa:
                    using (var dsa = certificate.GetDSAPublicKey())
                    {
                        return $"DSA {dsa?.KeySize}";
                    }

                case AlgorithmOids.Ed25519:
                    return "Ed25519";
                case AlgorithmOids.X25519:
                    return "X25519";
                case AlgorithmOids.Ed448:
                    return "Ed448";
                case AlgorithmOids.X448:
                    return "X448";
                default:
                    return certificate.PublicKey.Oid.FriendlyName ?? oid ?? "unknown";
            }
        }

        /// <summary>True for key kinds .NET certificate stores cannot hold with their private key.</summary>
        public static bool IsOutsideDotNet(X509Certificate2 certificate) =>
            certificate.PublicKey.Oid.Value is AlgorithmOids.Ed25519 or AlgorithmOids.X25519 or AlgorithmOids.Ed448 or AlgorithmOids.X448;

        private static string CurveName(X509Certificate2 certificate)
        {
            try
            {
                // BouncyCastle, not System.Formats.Asn1: the engine binds to PowerShell's own copy of that, which may be older.
                var parameters = Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(certificate.PublicKey.EncodedParameters.RawData);
                var curve = Org.BouncyCastle.Asn1.DerObjectIdentifier.GetInstance(parameters).Id;
                return curve switch
                {
                    "1.2.840.10045.3.1.7" => "P-256",
                    "1.3.132.0.34" => "P-384",
                    "1.3.132.0.35" => "P-521",
                    "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
                    "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1",
                    "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1",
                    _ => curve,
                };
            }
            catch (Exception e) when (e is System.IO.IOException or CryptographicException or ArgumentException)
            {
                // Explicit curve parameters: say the size, which is what people compare.
                using var ec = certificate.GetECDsaPublicKey();
                return $"{ec?.KeySize}-bit";
            }
        }
    }
}
