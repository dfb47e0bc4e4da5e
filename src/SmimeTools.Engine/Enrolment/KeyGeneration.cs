using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>Software key pairs for certificates the local CA makes together with their key.</summary>
    public static class KeyGeneration
    {
        /// <summary>A new key pair in this process's memory: RSA or ECDSA on a NIST curve.</summary>
        public static AsymmetricAlgorithm Generate(TokenKeyType type) => type switch
        {
            TokenKeyType.Rsa2048 => RSA.Create(2048),
            TokenKeyType.Rsa3072 => RSA.Create(3072),
            TokenKeyType.Rsa4096 => RSA.Create(4096),
            TokenKeyType.P256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            TokenKeyType.P384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a key type the CA generates."),
        };

        /// <summary>The public half, as certificates carry it.</summary>
        public static PublicKey PublicKeyOf(AsymmetricAlgorithm key) => key switch
        {
            RSA rsa => new PublicKey(rsa),
            ECDsa ecdsa => new PublicKey(ecdsa),
            _ => throw new ArgumentException($"{key.GetType().Name} is not a key the CA generates.", nameof(key)),
        };

        /// <summary>
        /// The certificate joined to its generated key, as an identity. .NET joins an ECDSA key only to a certificate that
        /// may sign, so one for encryption alone takes it as ECDH.
        /// </summary>
        public static X509Certificate2 Attach(X509Certificate2 certificate, AsymmetricAlgorithm key)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            switch (key)
            {
                case RSA rsa:
                    return certificate.CopyWithPrivateKey(rsa);
                case ECDsa ecdsa:
                    using (var signing = certificate.GetECDsaPublicKey())
                    {
                        if (signing != null)
                        {
                            return certificate.CopyWithPrivateKey(ecdsa);
                        }
                    }

                    var parameters = ecdsa.ExportParameters(includePrivateParameters: true);
                    try
                    {
                        using var agreement = ECDiffieHellman.Create(parameters);
                        return certificate.CopyWithPrivateKey(agreement);
                    }
                    finally
                    {
                        Array.Clear(parameters.D!);
                    }

                default:
                    throw new ArgumentException($"{key?.GetType().Name} is not a key the CA generates.", nameof(key));
            }
        }
    }
}
