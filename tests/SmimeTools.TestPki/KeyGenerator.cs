using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace SmimeTools.TestPki
{
    /// <summary>
    /// Makes key pairs. RSA keys come from .NET (OpenSSL underneath), which is many times faster than
    /// BouncyCastle's pure managed prime search; they are converted to BouncyCastle parameters. If the
    /// platform refuses a size (some OpenSSL policies reject 512 bits), BouncyCastle makes it instead.
    /// </summary>
    internal static class KeyGenerator
    {
        public static GeneratedKey Generate(KeyKind kind, int rsaBits, SecureRandom random)
        {
            switch (kind)
            {
                case KeyKind.Rsa:
                    return new GeneratedKey(GenerateRsa(rsaBits, random), "RSA", rsaBits);
                case KeyKind.EcP256:
                    return new GeneratedKey(GenerateEc(SecObjectIdentifiers.SecP256r1, random), "ECDSA", 256);
                case KeyKind.EcP384:
                    return new GeneratedKey(GenerateEc(SecObjectIdentifiers.SecP384r1, random), "ECDSA", 384);
                case KeyKind.EcP521:
                    return new GeneratedKey(GenerateEc(SecObjectIdentifiers.SecP521r1, random), "ECDSA", 521);
                case KeyKind.Ed25519:
                    {
                        var generator = new Ed25519KeyPairGenerator();
                        generator.Init(new Ed25519KeyGenerationParameters(random));
                        return new GeneratedKey(generator.GenerateKeyPair(), "Ed25519", 256);
                    }
                case KeyKind.X25519:
                    {
                        var generator = new X25519KeyPairGenerator();
                        generator.Init(new X25519KeyGenerationParameters(random));
                        return new GeneratedKey(generator.GenerateKeyPair(), "X25519", 256);
                    }
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown key kind.");
            }
        }

        private static AsymmetricCipherKeyPair GenerateEc(Org.BouncyCastle.Asn1.DerObjectIdentifier curve, SecureRandom random)
        {
            var generator = new ECKeyPairGenerator("EC");
            generator.Init(new ECKeyGenerationParameters(curve, random));
            return generator.GenerateKeyPair();
        }

        private static AsymmetricCipherKeyPair GenerateRsa(int bits, SecureRandom random)
        {
            RSAParameters p;
            try
            {
                using RSA rsa = RSA.Create(bits);
                p = rsa.ExportParameters(true);
            }
            catch (CryptographicException)
            {
                return GenerateRsaManaged(bits, random);
            }

            if (p.Modulus is null || p.Exponent is null || p.D is null || p.P is null || p.Q is null
                || p.DP is null || p.DQ is null || p.InverseQ is null)
            {
                return GenerateRsaManaged(bits, random);
            }

            BigInteger modulus = Positive(p.Modulus);
            BigInteger exponent = Positive(p.Exponent);
            if (modulus.BitLength != bits)
            {
                return GenerateRsaManaged(bits, random);
            }

            var publicKey = new RsaKeyParameters(false, modulus, exponent);
            var privateKey = new RsaPrivateCrtKeyParameters(
                modulus,
                exponent,
                Positive(p.D),
                Positive(p.P),
                Positive(p.Q),
                Positive(p.DP),
                Positive(p.DQ),
                Positive(p.InverseQ));
            CryptographicOperations.ZeroMemory(p.D);
            CryptographicOperations.ZeroMemory(p.P);
            CryptographicOperations.ZeroMemory(p.Q);
            CryptographicOperations.ZeroMemory(p.DP);
            CryptographicOperations.ZeroMemory(p.DQ);
            CryptographicOperations.ZeroMemory(p.InverseQ);
            return new AsymmetricCipherKeyPair(publicKey, privateKey);
        }

        /// <summary>Slow path: BouncyCastle's own generator.</summary>
        internal static AsymmetricCipherKeyPair GenerateRsaManaged(int bits, SecureRandom random)
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), random, bits, 100));
            return generator.GenerateKeyPair();
        }

        private static BigInteger Positive(byte[] bigEndian) => new BigInteger(1, bigEndian);
    }
}
