using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.TestPki
{
    /// <summary>An end-entity (user) certificate of a <see cref="TestPki"/>, with its key and files.</summary>
    public sealed class TestUser
    {
        private readonly byte[] certificateDer;
        private readonly byte[] privateKeyPkcs8;

        internal TestUser(UserSpec spec, GeneratedKey key, X509Certificate certificate, DateTime? revocationDate, string folder)
        {
            Name = spec.Name;
            Mailbox = spec.Mailbox;
            CertificateEmail = spec.CertificateEmail;
            SubjectEmail = spec.EmailInSubject ? spec.CertificateEmail : null;
            SmtpUtf8Mailbox = spec.SmtpUtf8Mailbox;
            Description = spec.Description;
            IsBadCase = spec.BadCase;
            RevocationDate = revocationDate;
            KeyAlgorithm = key.Algorithm;
            KeySize = key.Bits;
            KeyUsages = KeyUsageNames(spec.KeyUsageBits);
            ExtendedKeyUsages = new[] { spec.ServerAuthOnly ? "serverAuth" : "emailProtection" };
            Certificate = certificate;
            PrivateKey = key.Private;
            PublicKey = key.Public;
            certificateDer = certificate.GetEncoded();
            privateKeyPkcs8 = PkiFiles.Pkcs8(key.Private);
            using (X509Certificate2 dotNet = DotNetCertificates.Load(certificateDer))
            {
                Subject = dotNet.Subject;
            }

            Thumbprint = DotNetCertificates.Thumbprint(certificateDer);
            SerialNumber = Convert.ToHexString(certificate.SerialNumber.ToByteArrayUnsigned());
            NotBefore = UtcTime.Normalize(certificate.NotBefore);
            NotAfter = UtcTime.Normalize(certificate.NotAfter);
            CertificatePath = Path.Combine(folder, Name + ".crt");
            CertificateDerPath = Path.Combine(folder, Name + ".cer");
            PrivateKeyPath = Path.Combine(folder, Name + ".key");
            EncryptedPrivateKeyPath = Path.Combine(folder, Name + ".enc.key");
            Pkcs12Path = Path.Combine(folder, Name + ".p12");
        }

        /// <summary>The case name: "rsa2048", "p256", "revoked", …; also the base name of the user's files.</summary>
        public string Name { get; }

        /// <summary>The mailbox the user is known by (e.g. alice@example.com; mallory@example.com for "mismatch").</summary>
        public string Mailbox { get; }

        /// <summary>The address the certificate carries in its SAN rfc822Name (and E=, see <see cref="SubjectEmail"/>).</summary>
        public string CertificateEmail { get; }

        /// <summary>The subject's emailAddress (E=) value, or null when the subject has none ("p384").</summary>
        public string? SubjectEmail { get; }

        /// <summary>The SAN SmtpUTF8Mailbox (RFC 9598) of the certificate, or null when it has none (all but "idn").</summary>
        public string? SmtpUtf8Mailbox { get; }

        /// <summary>Subject as .NET formats it (X509Certificate2.Subject).</summary>
        public string Subject { get; }

        /// <summary>What the case is for.</summary>
        public string Description { get; }

        /// <summary>True for the deliberately broken cases (expired, notyetvalid, revoked, wrongeku, signonly, rsa512, mismatch, uppercase).</summary>
        public bool IsBadCase { get; }

        /// <summary>Revocation date when the intermediate's CRL lists this certificate ("revoked"), else null.</summary>
        public DateTime? RevocationDate { get; }

        public bool IsRevoked => RevocationDate.HasValue;

        /// <summary>"RSA", "ECDSA", "Ed25519" or "X25519".</summary>
        public string KeyAlgorithm { get; }

        /// <summary>RSA modulus bits, EC curve bits (256/384), 256 for Ed25519/X25519.</summary>
        public int KeySize { get; }

        /// <summary>RFC 5280 names of the key usage bits, e.g. "digitalSignature", "keyEncipherment".</summary>
        public IReadOnlyList<string> KeyUsages { get; }

        /// <summary>"emailProtection", or "serverAuth" for "wrongeku".</summary>
        public IReadOnlyList<string> ExtendedKeyUsages { get; }

        /// <summary>SHA-1 hex, upper case (X509Certificate2.Thumbprint).</summary>
        public string Thumbprint { get; }

        /// <summary>Hex, upper case, big-endian (X509Certificate2.SerialNumber).</summary>
        public string SerialNumber { get; }

        public DateTime NotBefore { get; }

        public DateTime NotAfter { get; }

        public X509Certificate Certificate { get; }

        public AsymmetricKeyParameter PrivateKey { get; }

        public AsymmetricKeyParameter PublicKey { get; }

        /// <summary>PEM certificate (&lt;name&gt;.crt).</summary>
        public string CertificatePath { get; }

        /// <summary>DER certificate (&lt;name&gt;.cer).</summary>
        public string CertificateDerPath { get; }

        /// <summary>Unencrypted PKCS#8 PEM (&lt;name&gt;.key).</summary>
        public string PrivateKeyPath { get; }

        /// <summary>Encrypted PKCS#8 PEM (&lt;name&gt;.enc.key), PBES2/AES-256-CBC, the PKI's password.</summary>
        public string EncryptedPrivateKeyPath { get; }

        /// <summary>PKCS#12 (&lt;name&gt;.p12): key, certificate and intermediate; the PKI's password.</summary>
        public string Pkcs12Path { get; }

        /// <summary>True when <see cref="GetCertificateWithPrivateKey"/> works (RSA and ECDSA keys).</summary>
        public bool SupportsDotNetPrivateKey => DotNetCertificates.SupportsPrivateKey(KeyAlgorithm);

        /// <summary>A new public-only .NET certificate (caller disposes).</summary>
        public X509Certificate2 GetCertificate() => DotNetCertificates.Load(certificateDer);

        /// <summary>
        /// A new .NET certificate with the private key attached (caller disposes). RSA and ECDSA only;
        /// Ed25519/X25519 throw <see cref="NotSupportedException"/>.
        /// </summary>
        public X509Certificate2 GetCertificateWithPrivateKey() =>
            DotNetCertificates.WithPrivateKey(certificateDer, privateKeyPkcs8, KeyAlgorithm, Name);

        /// <summary>The DER certificate (a copy).</summary>
        public byte[] GetCertificateDer() => (byte[])certificateDer.Clone();

        /// <summary>The unencrypted PKCS#8 private key, DER (a copy).</summary>
        public byte[] GetPrivateKeyPkcs8() => (byte[])privateKeyPkcs8.Clone();

        public override string ToString() => Name + " <" + Mailbox + ">";

        private static string[] KeyUsageNames(int bits)
        {
            var names = new List<string>();
            if ((bits & KeyUsage.DigitalSignature) != 0)
            {
                names.Add("digitalSignature");
            }

            if ((bits & KeyUsage.NonRepudiation) != 0)
            {
                names.Add("nonRepudiation");
            }

            if ((bits & KeyUsage.KeyEncipherment) != 0)
            {
                names.Add("keyEncipherment");
            }

            if ((bits & KeyUsage.DataEncipherment) != 0)
            {
                names.Add("dataEncipherment");
            }

            if ((bits & KeyUsage.KeyAgreement) != 0)
            {
                names.Add("keyAgreement");
            }

            return names.ToArray();
        }
    }
}
