using System;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.TestPki
{
    /// <summary>One of the two certification authorities of a <see cref="TestPki"/> ("root" or "intermediate").</summary>
    public sealed class TestCertificateAuthority
    {
        private readonly byte[] certificateDer;
        private readonly byte[] privateKeyPkcs8;

        internal TestCertificateAuthority(
            string name,
            GeneratedKey key,
            X509Certificate certificate,
            X509Crl crl,
            string crlUri,
            string folder)
        {
            Name = name;
            Certificate = certificate;
            PrivateKey = key.Private;
            PublicKey = key.Public;
            KeyAlgorithm = key.Algorithm;
            KeySize = key.Bits;
            Crl = crl;
            CrlUri = crlUri;
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
            CertificatePath = System.IO.Path.Combine(folder, name + ".crt");
            CertificateDerPath = System.IO.Path.Combine(folder, name + ".cer");
            PrivateKeyPath = System.IO.Path.Combine(folder, name + ".key");
            CrlPemPath = System.IO.Path.Combine(folder, name + ".crl.pem");
            CrlDerPath = System.IO.Path.Combine(folder, name + ".crl");
        }

        /// <summary>"root" or "intermediate"; also the base name of the CA's files.</summary>
        public string Name { get; }

        /// <summary>Subject as .NET formats it (X509Certificate2.Subject).</summary>
        public string Subject { get; }

        /// <summary>"RSA".</summary>
        public string KeyAlgorithm { get; }

        public int KeySize { get; }

        /// <summary>SHA-1 hex, upper case (X509Certificate2.Thumbprint).</summary>
        public string Thumbprint { get; }

        /// <summary>Hex, upper case, big-endian (X509Certificate2.SerialNumber).</summary>
        public string SerialNumber { get; }

        public DateTime NotBefore { get; }

        public DateTime NotAfter { get; }

        public X509Certificate Certificate { get; }

        public AsymmetricKeyParameter PrivateKey { get; }

        public AsymmetricKeyParameter PublicKey { get; }

        /// <summary>The CRL this CA issued (root: empty; intermediate: lists the "revoked" user).</summary>
        public X509Crl Crl { get; }

        /// <summary>Where certificates issued by this CA say its CRL is published (CRL distribution point).</summary>
        public string CrlUri { get; }

        /// <summary>PEM certificate (&lt;name&gt;.crt).</summary>
        public string CertificatePath { get; }

        /// <summary>DER certificate (&lt;name&gt;.cer).</summary>
        public string CertificateDerPath { get; }

        /// <summary>Unencrypted PKCS#8 PEM (&lt;name&gt;.key).</summary>
        public string PrivateKeyPath { get; }

        /// <summary>PEM CRL (&lt;name&gt;.crl.pem).</summary>
        public string CrlPemPath { get; }

        /// <summary>DER CRL (&lt;name&gt;.crl), the file the CRL distribution point URI names.</summary>
        public string CrlDerPath { get; }

        /// <summary>A new public-only .NET certificate (caller disposes).</summary>
        public X509Certificate2 GetCertificate() => DotNetCertificates.Load(certificateDer);

        /// <summary>A new .NET certificate with the CA's private key attached (caller disposes).</summary>
        public X509Certificate2 GetCertificateWithPrivateKey() =>
            DotNetCertificates.WithPrivateKey(certificateDer, privateKeyPkcs8, KeyAlgorithm, Name);

        /// <summary>The DER certificate (a copy).</summary>
        public byte[] GetCertificateDer() => (byte[])certificateDer.Clone();

        /// <summary>The unencrypted PKCS#8 private key, DER (a copy).</summary>
        public byte[] GetPrivateKeyPkcs8() => (byte[])privateKeyPkcs8.Clone();

        /// <summary>The DER CRL (a copy of what <see cref="CrlDerPath"/> holds).</summary>
        public byte[] GetCrlDer() => Crl.GetEncoded();

        public override string ToString() => Name + ": " + Subject;
    }
}
