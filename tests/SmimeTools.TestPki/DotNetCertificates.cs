using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.TestPki
{
    /// <summary>Turns the BouncyCastle material into .NET certificates.</summary>
    internal static class DotNetCertificates
    {
        public static X509Certificate2 Load(byte[] der) => X509CertificateLoader.LoadCertificate(der);

        /// <summary>
        /// A certificate with its private key attached (RSA via <see cref="RSA"/>, EC via <see cref="ECDsa"/>).
        /// .NET has no Ed25519/X25519 certificate keys, so those throw <see cref="NotSupportedException"/>.
        /// </summary>
        public static X509Certificate2 WithPrivateKey(byte[] der, byte[] pkcs8, string keyAlgorithm, string name)
        {
            using X509Certificate2 publicOnly = Load(der);
            switch (keyAlgorithm)
            {
                case "RSA":
                    {
                        using RSA rsa = RSA.Create();
                        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
                        return publicOnly.CopyWithPrivateKey(rsa);
                    }

                case "ECDSA":
                    {
                        using ECDsa ecdsa = ECDsa.Create();
                        ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
                        return publicOnly.CopyWithPrivateKey(ecdsa);
                    }

                default:
                    throw new NotSupportedException(string.Format(
                        CultureInfo.InvariantCulture,
                        "'{0}' has a {1} key; .NET cannot attach {1} private keys to an X509Certificate2. Use the BouncyCastle PrivateKey, the PKCS#8 file or the PKCS#12 file instead.",
                        name,
                        keyAlgorithm));
            }
        }

        public static bool SupportsPrivateKey(string keyAlgorithm) => keyAlgorithm == "RSA" || keyAlgorithm == "ECDSA";

        /// <summary>SHA-1 of the DER encoding, upper-case hex: what X509Certificate2.Thumbprint returns.</summary>
        public static string Thumbprint(byte[] der) => Convert.ToHexString(SHA1.HashData(der));
    }
}
