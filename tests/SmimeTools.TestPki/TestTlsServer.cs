using System;
using System.IO;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.TestPki
{
    /// <summary>
    /// A TLS server certificate for the loopback services the tests start (slapd for ldaps:// and StartTLS):
    /// issued by the intermediate CA to CN=localhost with SAN DNS:localhost and IP:127.0.0.1, serverAuth, P-256.
    /// Written as tls-server.crt (the certificate, then the intermediate: the chain a server sends) and
    /// tls-server.key (unencrypted PKCS#8).
    /// </summary>
    public sealed class TestTlsServer
    {
        private TestTlsServer(X509Certificate certificate, string folder)
        {
            Certificate = certificate;
            Thumbprint = DotNetCertificates.Thumbprint(certificate.GetEncoded());
            CertificatePath = Path.Combine(folder, "tls-server.crt");
            PrivateKeyPath = Path.Combine(folder, "tls-server.key");
        }

        public X509Certificate Certificate { get; }

        public string Thumbprint { get; }

        /// <summary>PEM: the server certificate followed by the intermediate CA's.</summary>
        public string CertificatePath { get; }

        /// <summary>PEM, unencrypted PKCS#8.</summary>
        public string PrivateKeyPath { get; }

        internal static TestTlsServer Issue(X509Certificate intermediate, Org.BouncyCastle.Crypto.AsymmetricKeyParameter intermediateKey, DateTime notBefore, DateTime notAfter, string folder)
        {
            var random = new SecureRandom();
            var key = KeyGenerator.Generate(KeyKind.EcP256, 0, random);
            var generator = new X509V3CertificateGenerator();
            generator.SetSerialNumber(CertificateIssuer.NewSerial());
            generator.SetIssuerDN(intermediate.SubjectDN);
            generator.SetSubjectDN(CertificateIssuer.Name("localhost", null));
            generator.SetNotBefore(notBefore);
            generator.SetNotAfter(notAfter);
            generator.SetPublicKey(key.Public);
            generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyAgreement));
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
            generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new[]
            {
                new GeneralName(GeneralName.DnsName, "localhost"),
                new GeneralName(GeneralName.IPAddress, "127.0.0.1"),
            }));
            generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(CertificateIssuer.KeyIdentifier(key.Public)));
            generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(CertificateIssuer.KeyIdentifier(intermediate.GetPublicKey())));
            var certificate = generator.Generate(new Asn1SignatureFactory(CertificateIssuer.CaSignatureAlgorithm, intermediateKey, random));
            var server = new TestTlsServer(certificate, folder);
            PkiFiles.WriteText(server.CertificatePath, PkiFiles.Pem("CERTIFICATE", certificate.GetEncoded()) + PkiFiles.Pem("CERTIFICATE", intermediate.GetEncoded()));
            PkiFiles.WriteText(server.PrivateKeyPath, PkiFiles.Pem("PRIVATE KEY", PkiFiles.Pkcs8(key.Private)));
            return server;
        }
    }
}
