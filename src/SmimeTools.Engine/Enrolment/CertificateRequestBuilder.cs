using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// Builds a PKCS#10 request for an S/MIME certificate and signs it through <see cref="ISigningKey"/>, so a key in
    /// software, in a store or on a token is asked for in the same way: the subject, the addresses as rfc822Name, the
    /// key usages of its purpose, emailProtection and the algorithms we read (SMIMECapabilities) in its extensionRequest.
    /// </summary>
    public static class CertificateRequestBuilder
    {
        /// <summary>smimeCapabilities (RFC 4262) as a certificate extension.</summary>
        public const string SmimeCapabilitiesOid = "1.2.840.113549.1.9.15";

        /// <summary>What we decrypt, most preferred first: AES-GCM (AuthEnvelopedData), then AES-CBC.</summary>
        public static IReadOnlyList<string> Capabilities { get; } = new[]
        {
            "2.16.840.1.101.3.4.1.46", // aes256-GCM
            "2.16.840.1.101.3.4.1.6", // aes128-GCM
            "2.16.840.1.101.3.4.1.42", // aes256-CBC
            "2.16.840.1.101.3.4.1.22", // aes192-CBC
            "2.16.840.1.101.3.4.1.2", // aes128-CBC
        };

        /// <summary>The DER request for <paramref name="subjectPublicKeyInfo"/>, signed by <paramref name="key"/> (its other half).</summary>
        public static byte[] Build(X500DistinguishedName subject, byte[] subjectPublicKeyInfo, IReadOnlyList<string> emails, RequestPurpose purpose, ISigningKey key)
        {
            ArgumentNullException.ThrowIfNull(subject);
            ArgumentNullException.ThrowIfNull(subjectPublicKeyInfo);
            ArgumentNullException.ThrowIfNull(emails);
            ArgumentNullException.ThrowIfNull(key);
            var spki = SubjectPublicKeyInfo.GetInstance(subjectPublicKeyInfo);
            var isRsa = key.Algorithm == KeyAlgorithmKind.Rsa;
            if (!isRsa && key.Algorithm != KeyAlgorithmKind.Ec)
            {
                throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                    $"A {key.Algorithm} key cannot sign a certificate request here; RSA and EC keys can.", "Choose an RSA or EC key type.", subject.Name);
            }

            var info = new CertificationRequestInfo(X509Name.GetInstance(Asn1Object.FromByteArray(subject.RawData)), spki, Attributes(emails, purpose, isRsa));
            var digest = !isRsa && KeyAlgorithms.SizeOf(key.Certificate) > 256 ? DigestAlgorithm.Sha384 : DigestAlgorithm.Sha256;
            var signature = key.Sign(info.GetDerEncoded(), digest, isRsa ? SignatureAlgorithm.RsaPkcs1 : SignatureAlgorithm.Ecdsa);
            var algorithm = isRsa
                ? new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance)
                : new AlgorithmIdentifier(digest == DigestAlgorithm.Sha384 ? X9ObjectIdentifiers.ECDsaWithSha384 : X9ObjectIdentifiers.ECDsaWithSha256);
            return new CertificationRequest(info, algorithm, new DerBitString(signature)).GetDerEncoded();
        }

        /// <summary>The request as PEM text ("-----BEGIN CERTIFICATE REQUEST-----"), with a final newline.</summary>
        public static string Pem(byte[] request) => PemEncoding.WriteString("CERTIFICATE REQUEST", request) + "\n";

        /// <summary>The key usages a certificate of this purpose needs: signing, encryption (by key type), or both.</summary>
        public static int KeyUsageOf(RequestPurpose purpose, bool isRsa)
        {
            var signing = KeyUsage.DigitalSignature | KeyUsage.NonRepudiation;
            var encryption = isRsa ? KeyUsage.KeyEncipherment : KeyUsage.KeyAgreement;
            return purpose switch
            {
                RequestPurpose.Signing => signing,
                RequestPurpose.Encryption => encryption,
                _ => signing | encryption,
            };
        }

        private static Asn1Set Attributes(IReadOnlyList<string> emails, RequestPurpose purpose, bool isRsa)
        {
            var generator = new X509ExtensionsGenerator();
            if (emails.Count > 0)
            {
                generator.AddExtension(X509Extensions.SubjectAlternativeName, false,
                    new GeneralNames(emails.Select(e => new GeneralName(GeneralName.Rfc822Name, e)).ToArray()));
            }

            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsageOf(purpose, isRsa)));
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_emailProtection));
            if (purpose != RequestPurpose.Signing)
            {
                // Senders read the algorithms a recipient's certificate offers; a signing-only certificate is nobody's recipient.
                generator.AddExtension(new DerObjectIdentifier(SmimeCapabilitiesOid), false,
                    new DerSequence(Capabilities.Select(oid => (Asn1Encodable)new DerSequence(new DerObjectIdentifier(oid))).ToArray()));
            }

            return new DerSet(new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtExtensionRequest, new DerSet(generator.Generate())));
        }
    }
}
