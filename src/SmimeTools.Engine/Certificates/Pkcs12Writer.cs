using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Writes an identity (certificate, private key, optionally its chain) as a PKCS#12 file, by default with PBES2
    /// AES-256 and an HMAC-SHA256 MAC, or in OpenSSL's <c>-legacy</c> form for old readers.
    /// </summary>
    /// <remarks>
    /// Built from the ASN.1 classes: BouncyCastle's Pkcs12StoreBuilder always MACs with SHA-1 and writes
    /// Ed25519/X25519 keys in a PKCS#8 form OpenSSL 3.0 cannot read. The layout is OpenSSL's: one encrypted
    /// SafeContents with the certificates, one plain SafeContents with the shrouded key; the key bag and its
    /// certificate share friendlyName and localKeyId (the SHA-1 of the certificate) so every reader pairs them.
    /// </remarks>
    public static class Pkcs12Writer
    {
        /// <summary>
        /// PBKDF2 and MAC iterations. 100,000 is 50 times OpenSSL's 2,048, costs about a tenth of a second per
        /// file (three derivations), and stays inside the limits .NET 9+ applies when loading PKCS#12 (300,000 per
        /// derivation, 1,000,000 per file); OWASP's 600,000 would exceed them and make bulk exports crawl.
        /// </summary>
        public const int DefaultIterations = 100_000;

        /// <summary>
        /// The most iterations asked for: a file runs three derivations (certificates, key, MAC), and 3 x 600,000 (the
        /// count Firefox writes) stays inside the default <see cref="InputLimits.MaximumPkcs12Iterations"/>, so every
        /// file written here opens again with the default limits.
        /// </summary>
        public const int MaxIterations = 600_000;

        /// <summary>Writes <paramref name="identity"/> as PKCS#12; its private key must be with it.</summary>
        /// <param name="identity">The certificate with its private key (in .NET, or read from a file by SmimeTools).</param>
        /// <param name="password">The file's password; it may not be empty.</param>
        /// <param name="protection">How the file is encrypted.</param>
        /// <param name="chain">Certificates to add after the identity's own (intermediates, usually).</param>
        /// <param name="friendlyName">The name readers show; by default the first e-mail address, else the subject.</param>
        /// <param name="iterations">PBKDF2 and MAC iterations.</param>
        public static byte[] Write(CertificateEntry identity, SecureString password, Pkcs12Protection protection = Pkcs12Protection.Aes256Sha256,
            IEnumerable<X509Certificate2>? chain = null, string? friendlyName = null, int iterations = DefaultIterations)
        {
            ArgumentNullException.ThrowIfNull(identity);
            ArgumentNullException.ThrowIfNull(password);
            var certificate = identity.Certificate;
            if (password.Length == 0)
            {
                throw new SmimeException(ErrorIds.BadPassword, SmimeErrorKind.InvalidArgument,
                    $"An empty password would leave the private key of '{certificate.Subject}' unprotected in the file.",
                    "Give a password; for a certificate alone, without its key, use -PublicOnly.", certificate);
            }

            var key = IdentityKeyExport.Pkcs8(identity);
            using var secret = Pkcs12Password.From(password);
            try
            {
                var others = (chain ?? Array.Empty<X509Certificate2>())
                    .Where(c => c.Thumbprint != certificate.Thumbprint)
                    .Select(c => c.RawData)
                    .ToList();
                return Write(key, certificate.RawData, others, secret, protection, friendlyName ?? FriendlyNameOf(certificate), iterations);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        /// <summary>The name an identity is given in the files we write: its first e-mail address, else its common name.</summary>
        public static string FriendlyNameOf(X509Certificate2 certificate)
        {
            var email = CertificateFacts.GetEmails(certificate).FirstOrDefault();
            if (email != null)
            {
                return email;
            }

            var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            return string.IsNullOrEmpty(name) ? certificate.Subject : name;
        }

        internal static byte[] Write(byte[] privateKeyInfo, byte[] certificateDer, IReadOnlyList<byte[]> chainDer, Pkcs12Password password,
            Pkcs12Protection protection, string friendlyName, int iterations)
        {
            if (iterations < 1 || iterations > MaxIterations)
            {
                throw new ArgumentOutOfRangeException(nameof(iterations), iterations, $"Iterations must be 1..{MaxIterations}.");
            }

            var legacy = protection == Pkcs12Protection.Legacy;
            var attributes = new DerSet(
                new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtFriendlyName, new DerSet(new DerBmpString(friendlyName))),
                new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtLocalKeyID, new DerSet(new DerOctetString(SHA1.HashData(certificateDer)))));

            var certificateBags = new Asn1EncodableVector
            {
                new SafeBag(PkcsObjectIdentifiers.CertBag, new CertBag(PkcsObjectIdentifiers.X509Certificate, new DerOctetString(certificateDer)), attributes),
            };
            foreach (var der in chainDer)
            {
                certificateBags.Add(new SafeBag(PkcsObjectIdentifiers.CertBag, new CertBag(PkcsObjectIdentifiers.X509Certificate, new DerOctetString(der))));
            }

            var certificateContents = new DerSequence(certificateBags).GetEncoded(Asn1Encodable.Der);
            AlgorithmIdentifier certificateAlgorithm;
            var encryptedCertificates = legacy
                ? Pkcs12Crypto.EncryptPkcs12Pbe(PkcsObjectIdentifiers.PbewithShaAnd40BitRC2Cbc, certificateContents, password, iterations, out certificateAlgorithm)
                : Pkcs12Crypto.EncryptPbes2(certificateContents, password, iterations, out certificateAlgorithm);
            var certificatePart = new ContentInfo(PkcsObjectIdentifiers.EncryptedData, new DerSequence(
                DerInteger.Zero,
                new DerSequence(PkcsObjectIdentifiers.Data, certificateAlgorithm, new DerTaggedObject(false, 0, new DerOctetString(encryptedCertificates)))));

            AlgorithmIdentifier keyAlgorithm;
            var encryptedKey = legacy
                ? Pkcs12Crypto.EncryptPkcs12Pbe(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc, privateKeyInfo, password, iterations, out keyAlgorithm)
                : Pkcs12Crypto.EncryptPbes2(privateKeyInfo, password, iterations, out keyAlgorithm);
            var keyBag = new SafeBag(PkcsObjectIdentifiers.Pkcs8ShroudedKeyBag, new EncryptedPrivateKeyInfo(keyAlgorithm, encryptedKey), attributes);
            var keyPart = new ContentInfo(PkcsObjectIdentifiers.Data, new DerOctetString(new DerSequence(keyBag).GetEncoded(Asn1Encodable.Der)));

            var authSafe = new DerSequence(certificatePart, keyPart).GetEncoded(Asn1Encodable.Der);
            var macAlgorithm = Pkcs12Crypto.MacAlgorithm(legacy);
            var macSalt = RandomNumberGenerator.GetBytes(legacy ? 8 : 16);
            var mac = Pkcs12Crypto.ComputeMac(macAlgorithm, macSalt, iterations, authSafe, password);
            var macData = new MacData(new DigestInfo(macAlgorithm, mac), macSalt, iterations);
            return new Pfx(new ContentInfo(PkcsObjectIdentifiers.Data, new DerOctetString(authSafe)), macData).GetEncoded(Asn1Encodable.Der);
        }
    }
}
