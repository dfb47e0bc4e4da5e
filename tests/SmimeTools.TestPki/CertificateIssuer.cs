using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Smime;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.TestPki
{
    /// <summary>Builds the certificates and CRLs of the test PKI with BouncyCastle.</summary>
    internal static class CertificateIssuer
    {
        public const string Organization = "SmimeTools Test";

        /// <summary>Signature algorithm of both CAs (RSA keys, so that gpgsm 2.2 and NSS can verify the chain).</summary>
        public const string CaSignatureAlgorithm = "SHA256WITHRSA";

        /// <summary>id-on-SmtpUTF8Mailbox (RFC 9598).</summary>
        public const string SmtpUtf8MailboxOid = "1.3.6.1.5.5.7.8.9";

        /// <summary>AES-256-CBC, AES-128-CBC, AES-256-GCM, AES-128-GCM, in order of preference.</summary>
        public static IReadOnlyList<DerObjectIdentifier> SmimeCapabilityCiphers { get; } = new[]
        {
            NistObjectIdentifiers.IdAes256Cbc,
            NistObjectIdentifiers.IdAes128Cbc,
            NistObjectIdentifiers.IdAes256Gcm,
            NistObjectIdentifiers.IdAes128Gcm,
        };

        public static X509Name Name(string commonName, string? email)
        {
            var oids = new List<DerObjectIdentifier> { X509Name.O, X509Name.CN };
            var values = new List<string> { Organization, commonName };
            if (email is not null)
            {
                oids.Add(X509Name.EmailAddress);
                values.Add(email);
            }

            return new X509Name(oids, values);
        }

        /// <summary>A random positive serial number that encodes in exactly 16 bytes.</summary>
        public static BigInteger NewSerial()
        {
            byte[] bytes = RandomNumberGenerator.GetBytes(16);
            bytes[0] = (byte)((bytes[0] & 0x3F) | 0x40);
            return new BigInteger(1, bytes);
        }

        /// <summary>RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's value.</summary>
        public static byte[] KeyIdentifier(AsymmetricKeyParameter publicKey)
        {
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey);
            return SHA1.HashData(spki.PublicKey.GetBytes());
        }

        public static X509Certificate IssueRoot(
            X509Name subject, GeneratedKey key, DateTime notBefore, DateTime notAfter, SecureRandom random)
        {
            var generator = NewGenerator(subject, subject, key.Public, notBefore, notAfter);
            generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
            generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(KeyIdentifier(key.Public)));
            return Sign(generator, key.Private, random);
        }

        public static X509Certificate IssueIntermediate(
            X509Name subject,
            GeneratedKey key,
            X509Certificate issuer,
            AsymmetricKeyParameter issuerKey,
            string crlUri,
            DateTime notBefore,
            DateTime notAfter,
            SecureRandom random)
        {
            var generator = NewGenerator(issuer.SubjectDN, subject, key.Public, notBefore, notAfter);
            generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(0));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
            AddKeyIdentifiers(generator, key.Public, issuer);
            generator.AddExtension(X509Extensions.CrlDistributionPoints, false, CrlDistributionPoint(crlUri));
            return Sign(generator, issuerKey, random);
        }

        public static X509Certificate IssueUser(
            UserSpec spec,
            GeneratedKey key,
            X509Certificate issuer,
            AsymmetricKeyParameter issuerKey,
            string crlUri,
            DateTime notBefore,
            DateTime notAfter,
            SecureRandom random)
        {
            X509Name subject = Name(spec.CommonName, spec.EmailInSubject ? spec.CertificateEmail : null);
            var generator = NewGenerator(issuer.SubjectDN, subject, key.Public, notBefore, notAfter);
            generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(spec.KeyUsageBits));
            KeyPurposeID purpose = spec.ServerAuthOnly ? KeyPurposeID.id_kp_serverAuth : KeyPurposeID.id_kp_emailProtection;
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            var altNames = new List<GeneralName> { new GeneralName(GeneralName.Rfc822Name, spec.CertificateEmail) };
            if (spec.SmtpUtf8Mailbox is not null)
            {
                // RFC 9598: otherName { id-on-SmtpUTF8Mailbox, [0] EXPLICIT UTF8String }.
                altNames.Add(new GeneralName(
                    GeneralName.OtherName,
                    new DerSequence(new DerObjectIdentifier(SmtpUtf8MailboxOid), new DerTaggedObject(true, 0, new DerUtf8String(spec.SmtpUtf8Mailbox)))));
            }

            generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(altNames.ToArray()));
            AddKeyIdentifiers(generator, key.Public, issuer);
            generator.AddExtension(X509Extensions.CrlDistributionPoints, false, CrlDistributionPoint(crlUri));
            generator.AddExtension(PkcsObjectIdentifiers.Pkcs9AtSmimeCapabilities, false, SmimeCapabilities());
            return Sign(generator, issuerKey, random);
        }

        public static X509Crl IssueCrl(
            X509Certificate issuer,
            AsymmetricKeyParameter issuerKey,
            DateTime thisUpdate,
            DateTime nextUpdate,
            long crlNumber,
            IEnumerable<(BigInteger Serial, DateTime RevocationDate, int Reason)> revoked,
            SecureRandom random)
        {
            var generator = new X509V2CrlGenerator();
            generator.SetIssuerDN(issuer.SubjectDN);
            generator.SetThisUpdate(thisUpdate);
            generator.SetNextUpdate(nextUpdate);
            foreach (var entry in revoked)
            {
                generator.AddCrlEntry(entry.Serial, entry.RevocationDate, entry.Reason);
            }

            generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(KeyIdentifier(issuer.GetPublicKey())));
            generator.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.ValueOf(crlNumber)));
            return generator.Generate(new Asn1SignatureFactory(CaSignatureAlgorithm, issuerKey, random));
        }

        private static X509V3CertificateGenerator NewGenerator(
            X509Name issuer, X509Name subject, AsymmetricKeyParameter publicKey, DateTime notBefore, DateTime notAfter)
        {
            var generator = new X509V3CertificateGenerator();
            generator.SetSerialNumber(NewSerial());
            generator.SetIssuerDN(issuer);
            generator.SetSubjectDN(subject);
            generator.SetNotBefore(notBefore);
            generator.SetNotAfter(notAfter);
            generator.SetPublicKey(publicKey);
            return generator;
        }

        private static void AddKeyIdentifiers(X509V3CertificateGenerator generator, AsymmetricKeyParameter subjectKey, X509Certificate issuer)
        {
            generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(KeyIdentifier(subjectKey)));
            generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(KeyIdentifier(issuer.GetPublicKey())));
        }

        private static CrlDistPoint CrlDistributionPoint(string uri)
        {
            var name = new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, uri)));
            return new CrlDistPoint(new[] { new DistributionPoint(name, null, null) });
        }

        private static DerSequence SmimeCapabilities()
        {
            var vector = new Asn1EncodableVector();
            foreach (DerObjectIdentifier oid in SmimeCapabilityCiphers)
            {
                vector.Add(new SmimeCapability(oid, null));
            }

            return new DerSequence(vector);
        }

        private static X509Certificate Sign(X509V3CertificateGenerator generator, AsymmetricKeyParameter signingKey, SecureRandom random)
        {
            return generator.Generate(new Asn1SignatureFactory(CaSignatureAlgorithm, signingKey, random));
        }
    }
}
