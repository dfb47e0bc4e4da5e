using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A private key the engine read from a PKCS#12 or PEM file, kept as BouncyCastle parameters: the only form Ed25519,
    /// X25519 and DSA keys have here. RSA and EC keys are also made the certificate's .NET key, which signs and decrypts.
    /// </summary>
    public sealed class FileKeyReference : KeyReference
    {
        private FileKeyReference(X509Certificate2 certificate, AsymmetricKeyParameter key)
            : base(certificate)
        {
            Key = key;
        }

        public override KeyLocation Location => KeyLocation.File;

        /// <summary>The key as read, for writing it out again (PKCS#12, a token, a store).</summary>
        internal AsymmetricKeyParameter Key { get; }

        /// <summary>
        /// Joins a key read from a file to its certificate: the reference's certificate is a copy that holds the key as a
        /// .NET key when .NET can (RSA, EC), else the certificate itself.
        /// </summary>
        internal static FileKeyReference Attach(X509Certificate2 certificate, AsymmetricKeyParameter key)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            ArgumentNullException.ThrowIfNull(key);
            var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
            try
            {
                switch (key)
                {
                    case RsaKeyParameters:
                        using (var rsa = RSA.Create())
                        {
                            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
                            return new FileKeyReference(certificate.CopyWithPrivateKey(rsa), key);
                        }

                    case ECPrivateKeyParameters:
                        using (var ecdsa = ECDsa.Create())
                        {
                            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
                            return new FileKeyReference(certificate.CopyWithPrivateKey(ecdsa), key);
                        }

                    default:
                        return new FileKeyReference(certificate, key);
                }
            }
            finally
            {
                Array.Clear(pkcs8);
            }
        }
    }
}
