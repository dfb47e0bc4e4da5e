using System;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Cms
{
    /// <summary>How a certificate is named in a RecipientInfo: issuer and serial number, and subject key identifier.</summary>
    internal sealed class RecipientIdentity
    {
        public RecipientIdentity(X509Certificate2 certificate)
        {
            Certificate = certificate;
            var structure = Keys.CertificateKeyMemo.Of(certificate).Structure;
            IssuerAndSerialNumber = new IssuerAndSerialNumber(structure.Issuer, structure.SerialNumber);
            var extension = certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();

            // Without the extension, RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
            SubjectKeyIdentifier = extension != null
                ? extension.SubjectKeyIdentifierBytes.ToArray()
                : SHA1.HashData(certificate.PublicKey.EncodedKeyValue.RawData);
        }

        public X509Certificate2 Certificate { get; }

        public IssuerAndSerialNumber IssuerAndSerialNumber { get; }

        public byte[] SubjectKeyIdentifier { get; }

        public bool Matches(IssuerAndSerialNumber other) =>
            other.SerialNumber.HasValue(IssuerAndSerialNumber.SerialNumber.Value) && other.Issuer.Equivalent(IssuerAndSerialNumber.Issuer);

        public bool Matches(Asn1OctetString subjectKeyIdentifier) =>
            subjectKeyIdentifier.GetOctets().AsSpan().SequenceEqual(SubjectKeyIdentifier);

        /// <summary>"'CN=Alice' (issuer 'CN=CA', serial 1A2B)": how a key is named in messages.</summary>
        public string Describe() =>
            $"'{Certificate.Subject}' (issuer '{Certificate.Issuer}', serial {Certificate.SerialNumber}, thumbprint {Certificate.Thumbprint})";
    }
}
