using System;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// How CMS names a certificate (RFC 5652 §5.3, §6.2): by issuer and serial number, or by subject key
    /// identifier. Used for signers and recipients alike.
    /// </summary>
    public sealed class CmsIdentifier
    {
        private readonly byte[]? _issuer;
        private readonly byte[]? _serial;
        private readonly byte[]? _subjectKeyIdentifier;

        private CmsIdentifier(byte[]? issuer, byte[]? serial, byte[]? subjectKeyIdentifier)
        {
            _issuer = issuer;
            _serial = serial;
            _subjectKeyIdentifier = subjectKeyIdentifier;
        }

        /// <summary>True for the issuerAndSerialNumber form, false for subjectKeyIdentifier.</summary>
        public bool IsIssuerAndSerialNumber => _issuer != null;

        /// <summary>The issuer's name (issuerAndSerialNumber form), else null.</summary>
        public X500DistinguishedName? Issuer => _issuer == null ? null : new X500DistinguishedName(_issuer);

        /// <summary>The serial number in upper-case hex, big-endian, as <see cref="X509Certificate2.SerialNumber"/> shows it; else null.</summary>
        public string? SerialNumber => _serial == null ? null : Convert.ToHexString(_serial);

        /// <summary>The subject key identifier in upper-case hex (subjectKeyIdentifier form), else null.</summary>
        public string? SubjectKeyIdentifier => _subjectKeyIdentifier == null ? null : Convert.ToHexString(_subjectKeyIdentifier);

        /// <summary>The issuerAndSerialNumber of a certificate.</summary>
        public static CmsIdentifier FromCertificate(X509Certificate2 certificate)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            return new CmsIdentifier(certificate.IssuerName.RawData, certificate.SerialNumberBytes.ToArray(), null);
        }

        /// <summary>A subjectKeyIdentifier.</summary>
        public static CmsIdentifier FromSubjectKeyIdentifier(ReadOnlySpan<byte> subjectKeyIdentifier) =>
            new(null, null, subjectKeyIdentifier.ToArray());

        /// <summary>True when <paramref name="certificate"/> is the one named.</summary>
        public bool Matches(X509Certificate2 certificate)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            if (_subjectKeyIdentifier != null)
            {
                return _subjectKeyIdentifier.AsSpan().SequenceEqual(SubjectKeyIdentifierOf(certificate));
            }

            var serial = new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: false, isBigEndian: true);
            if (serial != new BigInteger(_serial, isUnsigned: false, isBigEndian: true))
            {
                return false;
            }

            return NamesMatch(_issuer!, certificate.IssuerName.RawData);
        }

        public override string ToString() => _subjectKeyIdentifier != null
            ? "subject key identifier " + SubjectKeyIdentifier
            : string.Format(CultureInfo.InvariantCulture, "issuer '{0}', serial number {1}", Issuer!.Name, SerialNumber);

        /// <summary>The issuerAndSerialNumber structure (throws for the subjectKeyIdentifier form).</summary>
        internal IssuerAndSerialNumber ToIssuerAndSerialNumber()
        {
            if (_issuer == null)
            {
                throw new InvalidOperationException("This identifier is a subject key identifier.");
            }

            return new IssuerAndSerialNumber(
                X509Name.GetInstance(Asn1Object.FromByteArray(_issuer)),
                new DerInteger(new Org.BouncyCastle.Math.BigInteger(_serial)));
        }

        /// <summary>From a parsed SignerIdentifier (or RecipientIdentifier of the same shape).</summary>
        internal static CmsIdentifier FromSignerIdentifier(SignerIdentifier identifier)
        {
            if (identifier.IsTagged)
            {
                // subjectKeyIdentifier [0] IMPLICIT: BouncyCastle hands out the OCTET STRING already untagged.
                var ski = identifier.ID is Asn1TaggedObject tagged ? Asn1OctetString.GetInstance(tagged, false) : Asn1OctetString.GetInstance(identifier.ID);
                return new CmsIdentifier(null, null, ski.GetOctets());
            }

            var issuerAndSerial = IssuerAndSerialNumber.GetInstance(identifier.ID);
            return FromIssuerAndSerialNumber(issuerAndSerial);
        }

        internal static CmsIdentifier FromIssuerAndSerialNumber(IssuerAndSerialNumber issuerAndSerial) =>
            new(issuerAndSerial.Issuer.GetEncoded(Asn1Encodable.Der), issuerAndSerial.SerialNumber.Value.ToByteArray(), null);

        /// <summary>The certificate's subject key identifier, or the RFC 5280 §4.2.1.2 (1) value when it has none.</summary>
        internal static byte[] SubjectKeyIdentifierOf(X509Certificate2 certificate)
        {
            foreach (var extension in certificate.Extensions)
            {
                if (extension is X509SubjectKeyIdentifierExtension ski && ski.SubjectKeyIdentifier != null)
                {
                    return Convert.FromHexString(ski.SubjectKeyIdentifier);
                }
            }

            return SHA1.HashData(certificate.PublicKey.EncodedKeyValue.RawData);
        }

        private static bool NamesMatch(byte[] a, byte[] b)
        {
            if (a.AsSpan().SequenceEqual(b))
            {
                return true;
            }

            try
            {
                // Same name, different string types or case: compare as RFC 5280 §7.1 does.
                return X509Name.GetInstance(Asn1Object.FromByteArray(a)).Equivalent(X509Name.GetInstance(Asn1Object.FromByteArray(b)));
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException)
            {
                return false;
            }
        }
    }
}
