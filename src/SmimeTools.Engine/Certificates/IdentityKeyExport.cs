using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>Gets the private key of a certificate object out as unencrypted PKCS#8, or says clearly why it cannot.</summary>
    internal static class IdentityKeyExport
    {
        /// <summary>True when the identity's key is in this process (a file's or .NET's), where it can be exported; a token's cannot.</summary>
        public static bool HasKey(CertificateEntry identity) => identity.Key is FileKeyReference or DotNetKeyReference;

        /// <summary>The key as DER PKCS#8 PrivateKeyInfo; the caller clears it after use.</summary>
        public static byte[] Pkcs8(CertificateEntry identity)
        {
            var certificate = identity.Certificate;
            if (HasKey(identity) && certificate.HasPrivateKey)
            {
                using AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey()
                    ?? (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey()
                    ?? (AsymmetricAlgorithm?)certificate.GetECDiffieHellmanPrivateKey()
                    ?? certificate.GetDSAPrivateKey();
                if (key != null)
                {
                    return Export(key, certificate);
                }
            }

            if (identity.Key is FileKeyReference read)
            {
                return Pkcs8(read.Key);
            }

            throw NoPrivateKey(certificate);
        }

        public static SmimeException NoPrivateKey(X509Certificate2 certificate) =>
            new(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidArgument,
                $"The certificate '{certificate.Subject}' ({certificate.Thumbprint}) comes without its private key, so there is no identity to export.",
                "Give the certificate with its key (Get-SmimeCertificate file.p12 -Password ..., or a store certificate whose HasPrivateKey is true), or use -PublicOnly to export the certificate alone.",
                certificate);

        /// <summary>
        /// PKCS#8 of a BouncyCastle key; Ed25519 and X25519 in the RFC 8410 version-1 form without the public key,
        /// the one OpenSSL 3.0 and NSS read (BouncyCastle writes version 2, which OpenSSL 3.0 rejects).
        /// </summary>
        public static byte[] Pkcs8(AsymmetricKeyParameter key)
        {
            PrivateKeyInfo info = key switch
            {
                Ed25519PrivateKeyParameters ed => new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DerOctetString(ed.GetEncoded())),
                X25519PrivateKeyParameters x => new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_X25519), new DerOctetString(x.GetEncoded())),
                Ed448PrivateKeyParameters ed => new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed448), new DerOctetString(ed.GetEncoded())),
                X448PrivateKeyParameters x => new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_X448), new DerOctetString(x.GetEncoded())),
                _ => PrivateKeyInfoFactory.CreatePrivateKeyInfo(key),
            };
            return info.GetEncoded(Asn1Encodable.Der);
        }

        internal static byte[] Export(AsymmetricAlgorithm key, X509Certificate2 certificate)
        {
            try
            {
                return key.ExportPkcs8PrivateKey();
            }
            catch (CryptographicException)
            {
                // Windows CNG keys marked exportable but not for plaintext export still leave encrypted.
            }

            try
            {
                var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
                var parameters = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1);
                var encrypted = key.ExportEncryptedPkcs8PrivateKey(password, parameters);
                using AsymmetricAlgorithm copy = key switch
                {
                    RSA => RSA.Create(),
                    ECDsa => ECDsa.Create(),
                    ECDiffieHellman => ECDiffieHellman.Create(),
                    _ => DSA.Create(),
                };
                copy.ImportEncryptedPkcs8PrivateKey(password, encrypted, out _);
                return copy.ExportPkcs8PrivateKey();
            }
            catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException or NotSupportedException)
            {
                throw new SmimeException(ErrorIds.KeyNotExportable, SmimeErrorKind.SecurityError,
                    $"The private key of '{certificate.Subject}' ({certificate.Thumbprint}) may not be exported: {e.Message}",
                    "Export it where it was created, or import its PKCS#12 file again with Import-SmimeIdentity -Exportable. -PublicOnly exports the certificate alone.",
                    certificate, e);
            }
        }
    }
}
