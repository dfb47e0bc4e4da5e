using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.Tests.Trust
{
    /// <summary>
    /// Small certificate authorities made on the spot (P-256 keys, so they are quick) for shapes the shared test PKI
    /// does not have: loops, deep chains, OCSP responders, damaged extensions.
    /// </summary>
    internal sealed class MiniCa
    {
        private static readonly SecureRandom Random = new();
        private static long _serial = 1000;

        private MiniCa(string name, AsymmetricCipherKeyPair key, BcCertificate certificate)
        {
            Name = name;
            Key = key;
            Certificate = certificate;
        }

        public string Name { get; }

        public AsymmetricCipherKeyPair Key { get; }

        public BcCertificate Certificate { get; }

        public X509Certificate2 DotNet => X509CertificateLoader.LoadCertificate(Certificate.GetEncoded());

        public static DateTime Now { get; } = DateTime.UtcNow.Date;

        public static AsymmetricCipherKeyPair NewKey()
        {
            var generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, Random));
            return generator.GenerateKeyPair();
        }

        public static X509Name DnOf(string commonName) => new($"O=SmimeTools Trust Tests,CN={commonName}");

        /// <summary>A self-signed CA.</summary>
        public static MiniCa Root(string name)
        {
            var key = NewKey();
            var generator = Generator(DnOf(name), DnOf(name), key.Public);
            generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
            generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(KeyId(key.Public)));
            return new MiniCa(name, key, Sign(generator, key.Private));
        }

        /// <summary>A CA certificate for <paramref name="name"/> (a new key unless <paramref name="key"/> is given) issued by this CA.</summary>
        public MiniCa IssueCa(string name, AsymmetricCipherKeyPair? key = null, Action<X509V3CertificateGenerator>? extra = null)
        {
            key ??= NewKey();
            var generator = Generator(DnOf(Name), DnOf(name), key.Public);
            generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
            generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(KeyId(key.Public)));
            generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(KeyId(Key.Public)));
            extra?.Invoke(generator);
            return new MiniCa(name, key, Sign(generator, Key.Private));
        }

        /// <summary>An e-mail signing certificate issued by this CA.</summary>
        public BcCertificate IssueUser(string name, Action<X509V3CertificateGenerator>? extra = null, DateTime? notBefore = null, DateTime? notAfter = null)
        {
            var key = NewKey();
            var generator = Generator(DnOf(Name), DnOf(name), key.Public, notBefore, notAfter);
            generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.NonRepudiation));
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_emailProtection));
            generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.Rfc822Name, name + "@example.com")));
            generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(KeyId(Key.Public)));
            extra?.Invoke(generator);
            return Sign(generator, Key.Private);
        }

        /// <summary>A CRL of this CA listing <paramref name="revoked"/> (key compromise).</summary>
        public X509Crl IssueCrl(params BigInteger[] revoked)
        {
            var generator = new X509V2CrlGenerator();
            generator.SetIssuerDN(DnOf(Name));
            generator.SetThisUpdate(Now.AddDays(-1));
            generator.SetNextUpdate(Now.AddDays(30));
            foreach (var serial in revoked)
            {
                generator.AddCrlEntry(serial, Now.AddDays(-1), CrlReason.KeyCompromise);
            }

            generator.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.One));
            return generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", Key.Private, Random));
        }

        public static void AddCrlDistributionPoint(X509V3CertificateGenerator generator, string uri)
        {
            var name = new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, uri)));
            generator.AddExtension(X509Extensions.CrlDistributionPoints, false, new CrlDistPoint(new[] { new DistributionPoint(name, null, null) }));
        }

        public static void AddOcspResponder(X509V3CertificateGenerator generator, string uri)
        {
            generator.AddExtension(X509Extensions.AuthorityInfoAccess, false,
                new AuthorityInformationAccess(AccessDescription.IdADOcsp, new GeneralName(GeneralName.UniformResourceIdentifier, uri)));
        }

        public static X509Certificate2 ToDotNet(BcCertificate certificate) => X509CertificateLoader.LoadCertificate(certificate.GetEncoded());

        public static List<X509Certificate2> ToDotNet(IEnumerable<MiniCa> authorities)
        {
            var list = new List<X509Certificate2>();
            foreach (var ca in authorities)
            {
                list.Add(ca.DotNet);
            }

            return list;
        }

        private static X509V3CertificateGenerator Generator(X509Name issuer, X509Name subject, AsymmetricKeyParameter key, DateTime? notBefore = null, DateTime? notAfter = null)
        {
            var generator = new X509V3CertificateGenerator();
            generator.SetSerialNumber(BigInteger.ValueOf(System.Threading.Interlocked.Increment(ref _serial)));
            generator.SetIssuerDN(issuer);
            generator.SetSubjectDN(subject);
            generator.SetNotBefore(notBefore ?? Now.AddDays(-10));
            generator.SetNotAfter(notAfter ?? Now.AddYears(5));
            generator.SetPublicKey(key);
            return generator;
        }

        private static BcCertificate Sign(X509V3CertificateGenerator generator, AsymmetricKeyParameter key) =>
            generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", key, Random));

        private static byte[] KeyId(AsymmetricKeyParameter key) =>
            System.Security.Cryptography.SHA1.HashData(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key).PublicKey.GetBytes());

        /// <summary>An extension value that does not decode as what its OID says.</summary>
        public static Asn1Encodable Garbage() => new DerUtf8String("not what this extension should hold");
    }
}
