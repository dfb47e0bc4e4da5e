using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using PkcsContentInfo = Org.BouncyCastle.Asn1.Pkcs.ContentInfo;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.TestPki
{
    /// <summary>Encodes and writes the PKI's files (PEM, DER, PKCS#8, PKCS#12, PKCS#7).</summary>
    internal static class PkiFiles
    {
        /// <summary>PBKDF2 iterations for the encrypted PKCS#8 files and the PKCS#12 MAC.</summary>
        public const int Iterations = 2048;

        private static readonly UTF8Encoding Utf8NoBom = new UTF8Encoding(false);

        public static string Pem(string label, byte[] der)
        {
            return PemEncoding.WriteString(label, der) + "\n";
        }

        public static void WriteText(string path, string text) => File.WriteAllText(path, text, Utf8NoBom);

        public static void WriteCertificate(X509Certificate certificate, string pemPath, string derPath)
        {
            byte[] der = certificate.GetEncoded();
            File.WriteAllBytes(derPath, der);
            WriteText(pemPath, Pem("CERTIFICATE", der));
        }

        public static void WriteCrl(X509Crl crl, string pemPath, string derPath)
        {
            byte[] der = crl.GetEncoded();
            File.WriteAllBytes(derPath, der);
            WriteText(pemPath, Pem("X509 CRL", der));
        }

        /// <summary>
        /// Unencrypted PKCS#8 PrivateKeyInfo, DER. Ed25519/X25519 keys are written in the RFC 8410 version-1 form
        /// without the optional public key, which is what OpenSSL 3.0 reads (BouncyCastle would add the
        /// public key as a version-2 OneAsymmetricKey, which OpenSSL 3.0 rejects).
        /// </summary>
        public static byte[] Pkcs8(AsymmetricKeyParameter privateKey)
        {
            PrivateKeyInfo info = privateKey switch
            {
                Ed25519PrivateKeyParameters ed => new PrivateKeyInfo(
                    new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DerOctetString(ed.GetEncoded())),
                X25519PrivateKeyParameters x => new PrivateKeyInfo(
                    new AlgorithmIdentifier(EdECObjectIdentifiers.id_X25519), new DerOctetString(x.GetEncoded())),
                _ => PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey),
            };
            return info.GetEncoded(Asn1Encodable.Der);
        }

        /// <summary>PKCS#8 EncryptedPrivateKeyInfo, DER: PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC.</summary>
        public static byte[] EncryptedPkcs8(byte[] privateKeyInfo, string password)
        {
            return EncryptedPrivateKeyInfo(privateKeyInfo, password).GetEncoded(Asn1Encodable.Der);
        }

        /// <summary>
        /// PKCS#12 in the modern form OpenSSL 3 and .NET write by default: the certificates in an encrypted
        /// SafeContents and the key in a shrouded key bag, both PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), and an
        /// HMAC-SHA256 integrity MAC (RFC 7292 Appendix B key derivation with SHA-256).
        /// </summary>
        /// <remarks>
        /// Built from the ASN.1 classes rather than Pkcs12Store: BouncyCastle 2.7's store always MACs with SHA-1
        /// and writes Ed25519/X25519 keys in the version-2 PKCS#8 form OpenSSL 3.0 cannot read.
        /// The first certificate of <paramref name="chain"/> is the key's certificate; it and the key bag carry
        /// friendlyName and localKeyID (SHA-1 of the certificate), as OpenSSL writes them.
        /// </remarks>
        public static byte[] Pkcs12(string friendlyName, byte[] privateKeyInfo, IReadOnlyList<X509Certificate> chain, string password)
        {
            byte[] leafDer = chain[0].GetEncoded();
            var attributes = new DerSet(
                new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtFriendlyName, new DerSet(new DerBmpString(friendlyName))),
                new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtLocalKeyID, new DerSet(new DerOctetString(SHA1.HashData(leafDer)))));

            var certBags = new Asn1EncodableVector();
            for (int i = 0; i < chain.Count; i++)
            {
                var bag = new CertBag(PkcsObjectIdentifiers.X509Certificate, new DerOctetString(i == 0 ? leafDer : chain[i].GetEncoded()));
                certBags.Add(i == 0
                    ? new SafeBag(PkcsObjectIdentifiers.CertBag, bag, attributes)
                    : new SafeBag(PkcsObjectIdentifiers.CertBag, bag));
            }

            byte[] certContents = new DerSequence(certBags).GetEncoded(Asn1Encodable.Der);
            byte[] encryptedCerts = Pbes2Encrypt(certContents, password, out AlgorithmIdentifier certAlgorithm);
            var encryptedData = new DerSequence(
                DerInteger.ValueOf(0),
                new DerSequence(
                    PkcsObjectIdentifiers.Data,
                    certAlgorithm,
                    new DerTaggedObject(false, 0, new DerOctetString(encryptedCerts))));
            var certInfo = new PkcsContentInfo(PkcsObjectIdentifiers.EncryptedData, encryptedData);

            var keyBag = new SafeBag(
                PkcsObjectIdentifiers.Pkcs8ShroudedKeyBag, EncryptedPrivateKeyInfo(privateKeyInfo, password), attributes);
            byte[] keyContents = new DerSequence(keyBag).GetEncoded(Asn1Encodable.Der);
            var keyInfo = new PkcsContentInfo(PkcsObjectIdentifiers.Data, new DerOctetString(keyContents));

            byte[] authSafe = new DerSequence(certInfo, keyInfo).GetEncoded(Asn1Encodable.Der);
            byte[] macSalt = RandomNumberGenerator.GetBytes(16);
            byte[] mac = Pkcs12Mac(password.ToCharArray(), macSalt, Iterations, authSafe);
            var macData = new MacData(
                new DigestInfo(new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance), mac),
                macSalt,
                Iterations);
            return new Pfx(new PkcsContentInfo(PkcsObjectIdentifiers.Data, new DerOctetString(authSafe)), macData)
                .GetEncoded(Asn1Encodable.Der);
        }

        /// <summary>HMAC-SHA256 keyed with the RFC 7292 Appendix B (ID 3) derivation over SHA-256.</summary>
        internal static byte[] Pkcs12Mac(char[] password, byte[] salt, int iterations, byte[] data)
        {
            var kdf = new Pkcs12ParametersGenerator(new Sha256Digest());
            kdf.Init(PbeParametersGenerator.Pkcs12PasswordToBytes(password), salt, iterations);
            var macKey = (KeyParameter)kdf.GenerateDerivedMacParameters(256);
            var hmac = new HMac(new Sha256Digest());
            hmac.Init(macKey);
            hmac.BlockUpdate(data, 0, data.Length);
            byte[] result = new byte[hmac.GetMacSize()];
            hmac.DoFinal(result, 0);
            return result;
        }

        private static EncryptedPrivateKeyInfo EncryptedPrivateKeyInfo(byte[] privateKeyInfo, string password)
        {
            byte[] encrypted = Pbes2Encrypt(privateKeyInfo, password, out AlgorithmIdentifier algorithm);
            return new EncryptedPrivateKeyInfo(algorithm, encrypted);
        }

        /// <summary>PBES2 (RFC 8018): PBKDF2-HMAC-SHA256 over the UTF-8 password, AES-256-CBC.</summary>
        private static byte[] Pbes2Encrypt(byte[] plaintext, string password, out AlgorithmIdentifier algorithm)
        {
            byte[] salt = RandomNumberGenerator.GetBytes(16);
            byte[] iv = RandomNumberGenerator.GetBytes(16);
            byte[] key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
            byte[] ciphertext;
            using (Aes aes = Aes.Create())
            {
                aes.Key = key;
                ciphertext = aes.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);
            }

            CryptographicOperations.ZeroMemory(key);
            var prf = new AlgorithmIdentifier(PkcsObjectIdentifiers.IdHmacWithSha256, DerNull.Instance);
            var parameters = new PbeS2Parameters(
                new KeyDerivationFunc(PkcsObjectIdentifiers.IdPbkdf2, new Pbkdf2Params(salt, Iterations, prf)),
                new EncryptionScheme(NistObjectIdentifiers.IdAes256Cbc, new DerOctetString(iv)));
            algorithm = new AlgorithmIdentifier(PkcsObjectIdentifiers.IdPbeS2, parameters);
            return ciphertext;
        }

        /// <summary>A degenerate ("certs-only") PKCS#7/CMS SignedData holding the certificates, DER.</summary>
        public static byte[] CertsOnlyPkcs7(IEnumerable<X509Certificate> certificates)
        {
            var certs = new Asn1EncodableVector();
            foreach (X509Certificate certificate in certificates)
            {
                certs.Add(certificate.CertificateStructure);
            }

            var signedData = new SignedData(
                new DerSet(),
                new ContentInfo(CmsObjectIdentifiers.Data, null),
                new DerSet(certs),
                null,
                new DerSet());
            return new ContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetEncoded(Asn1Encodable.Der);
        }
    }
}
