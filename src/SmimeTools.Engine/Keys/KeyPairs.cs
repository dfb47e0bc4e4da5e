using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace SmimeTools.Engine.Keys
{
    /// <summary>Whether a private key read from a file is the other half of a public key, for pairing keys with certificates.</summary>
    internal static class KeyPairs
    {
        /// <summary>True when the private key is the other half of the public key.</summary>
        public static bool IsPairOf(AsymmetricKeyParameter privateKey, AsymmetricKeyParameter publicKey) => (privateKey, publicKey) switch
        {
            (RsaPrivateCrtKeyParameters rsa, RsaKeyParameters pub) => rsa.Modulus.Equals(pub.Modulus) && rsa.PublicExponent.Equals(pub.Exponent),
            (RsaKeyParameters rsa, RsaKeyParameters pub) => rsa.Modulus.Equals(pub.Modulus),
            (ECPrivateKeyParameters ec, ECPublicKeyParameters pub) => ec.Parameters.G.Multiply(ec.D).Normalize().Equals(pub.Q.Normalize()),
            (Ed25519PrivateKeyParameters ed, Ed25519PublicKeyParameters pub) => Org.BouncyCastle.Utilities.Arrays.AreEqual(ed.GeneratePublicKey().GetEncoded(), pub.GetEncoded()),
            (X25519PrivateKeyParameters x, X25519PublicKeyParameters pub) => Org.BouncyCastle.Utilities.Arrays.AreEqual(x.GeneratePublicKey().GetEncoded(), pub.GetEncoded()),
            (Ed448PrivateKeyParameters ed, Ed448PublicKeyParameters pub) => Org.BouncyCastle.Utilities.Arrays.AreEqual(ed.GeneratePublicKey().GetEncoded(), pub.GetEncoded()),
            (X448PrivateKeyParameters x, X448PublicKeyParameters pub) => Org.BouncyCastle.Utilities.Arrays.AreEqual(x.GeneratePublicKey().GetEncoded(), pub.GetEncoded()),
            (DsaPrivateKeyParameters dsa, DsaPublicKeyParameters pub) => dsa.Parameters.G.ModPow(dsa.X, dsa.Parameters.P).Equals(pub.Y),
            _ => false,
        };

        /// <summary>
        /// True when the private key is the other half of the public key a certificate names. An RSA key is compared
        /// by its numbers: BouncyCastle's RSA public key object runs a probable-prime test on the modulus (~25 ms for
        /// 2048 bits), which would be paid for every certificate of a file or bundle.
        /// </summary>
        public static bool IsPairOf(AsymmetricKeyParameter privateKey, SubjectPublicKeyInfo publicKey)
        {
            if (privateKey is RsaKeyParameters rsa && publicKey.Algorithm.Algorithm.Equals(PkcsObjectIdentifiers.RsaEncryption))
            {
                var numbers = RsaPublicKeyStructure.GetInstance(publicKey.ParsePublicKey());
                return rsa.Modulus.Equals(numbers.Modulus)
                    && (rsa is not RsaPrivateCrtKeyParameters crt || crt.PublicExponent.Equals(numbers.PublicExponent));
            }

            return IsPairOf(privateKey, PublicKeyFactory.CreateKey(publicKey));
        }

        /// <summary>True for the key kinds the IsPairOf overloads can check; for others it can only say false.</summary>
        public static bool CanCompare(AsymmetricKeyParameter privateKey) => privateKey is RsaKeyParameters or ECPrivateKeyParameters
            or Ed25519PrivateKeyParameters or X25519PrivateKeyParameters or Ed448PrivateKeyParameters or X448PrivateKeyParameters
            or DsaPrivateKeyParameters;
    }
}
