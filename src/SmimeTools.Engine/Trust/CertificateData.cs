using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.Keys;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.Engine.Trust
{
    /// <summary>A certificate decoded once for path building and validation: names, key, and the RFC 5280 extensions.</summary>
    internal sealed class CertificateData
    {
        private static readonly HashSet<string> Understood = new(StringComparer.Ordinal)
        {
            X509Extensions.SubjectKeyIdentifier.Id,
            X509Extensions.AuthorityKeyIdentifier.Id,
            X509Extensions.KeyUsage.Id,
            X509Extensions.ExtendedKeyUsage.Id,
            X509Extensions.BasicConstraints.Id,
            X509Extensions.SubjectAlternativeName.Id,
            X509Extensions.IssuerAlternativeName.Id,
            X509Extensions.NameConstraints.Id,
            X509Extensions.CertificatePolicies.Id,
            X509Extensions.PolicyMappings.Id,
            X509Extensions.PolicyConstraints.Id,
            X509Extensions.InhibitAnyPolicy.Id,
            X509Extensions.CrlDistributionPoints.Id,
            X509Extensions.FreshestCrl.Id,
            X509Extensions.AuthorityInfoAccess.Id,
            X509Extensions.SubjectInfoAccess.Id,
            OcspNoCheckOid,
        };

        internal const string OcspNoCheckOid = "1.3.6.1.5.5.7.48.1.5";

        private CertificateData(X509Certificate2 certificate, BcCertificate bc)
        {
            Certificate = certificate;
            Bc = bc;
            byte[] der = certificate.RawData;
            Id = Convert.ToHexString(SHA256.HashData(der));
            Subject = DistinguishedName.From(bc.SubjectDN);
            Issuer = DistinguishedName.From(bc.IssuerDN);
            KeyId = Convert.ToHexString(SHA256.HashData(bc.SubjectPublicKeyInfo.GetEncoded(Asn1Encodable.Der)));
            Version = bc.Version;
            NotBefore = new DateTimeOffset(DateTime.SpecifyKind(bc.NotBefore, DateTimeKind.Utc));
            NotAfter = new DateTimeOffset(DateTime.SpecifyKind(bc.NotAfter, DateTimeKind.Utc));
            SignatureAlgorithmOid = bc.SignatureAlgorithm.Algorithm.Id;
            ReadExtensions(bc.TbsCertificate.Extensions);
            Key = KeyInfo.Create(bc.SubjectPublicKeyInfo, out string? keyProblem);
            KeyProblem = keyProblem;
        }

        public X509Certificate2 Certificate { get; }

        public BcCertificate Bc { get; }

        /// <summary>SHA-256 of the DER: the identity of this exact certificate.</summary>
        public string Id { get; }

        /// <summary>SHA-256 of the SubjectPublicKeyInfo.</summary>
        public string KeyId { get; }

        public DistinguishedName Subject { get; }

        public DistinguishedName Issuer { get; }

        public bool IsSelfIssued => Subject.Equals(Issuer);

        public int Version { get; }

        public DateTimeOffset NotBefore { get; }

        public DateTimeOffset NotAfter { get; }

        public string SignatureAlgorithmOid { get; }

        /// <summary>The public key; null when it cannot be decoded (see <see cref="KeyProblem"/>).</summary>
        public KeyInfo? Key { get; }

        public string? KeyProblem { get; }

        public byte[]? SubjectKeyIdentifier { get; private set; }

        public byte[]? AuthorityKeyIdentifier { get; private set; }

        /// <summary>basicConstraints cA; null when the extension is absent.</summary>
        public bool? IsCa { get; private set; }

        public int? PathLengthConstraint { get; private set; }

        /// <summary>BouncyCastle key usage bits; null when the extension is absent.</summary>
        public int? KeyUsage { get; private set; }

        public IReadOnlyList<string>? ExtendedKeyUsage { get; private set; }

        public IReadOnlyList<PolicyInformation>? Policies { get; private set; }

        public IReadOnlyList<(string IssuerDomain, string SubjectDomain)>? PolicyMappings { get; private set; }

        public int? RequireExplicitPolicy { get; private set; }

        public int? InhibitPolicyMapping { get; private set; }

        public int? InhibitAnyPolicy { get; private set; }

        public IReadOnlyList<GeneralSubtree>? PermittedSubtrees { get; private set; }

        public IReadOnlyList<GeneralSubtree>? ExcludedSubtrees { get; private set; }

        public IReadOnlyList<GeneralName> SubjectAlternativeNames { get; private set; } = Array.Empty<GeneralName>();

        public IReadOnlyList<DistributionPoint>? CrlDistributionPoints { get; private set; }

        public IReadOnlyList<DistributionPoint>? FreshestCrl { get; private set; }

        public IReadOnlyList<Uri> OcspResponders { get; private set; } = Array.Empty<Uri>();

        public bool HasOcspNoCheck { get; private set; }

        public IReadOnlyList<string> UnknownCriticalExtensions { get; private set; } = Array.Empty<string>();

        /// <summary>Why an extension could not be decoded; null when all decoded.</summary>
        public string? ExtensionProblem { get; private set; }

        /// <summary>The certificate as people recognise it.</summary>
        public string DisplayName
        {
            get
            {
                string subject = Subject.IsEmpty ? "(empty subject)" : Subject.ToString();
                return $"'{subject}' (serial {Certificate.SerialNumber})";
            }
        }

        /// <summary>Decodes a certificate; null with a reason when BouncyCastle cannot read it.</summary>
        public static CertificateData? TryCreate(X509Certificate2 certificate, out string? problem)
        {
            try
            {
                var bc = new BcCertificate(certificate.RawData);
                problem = null;
                return new CertificateData(certificate, bc);
            }
            catch (Exception e) when (IsDecodingFailure(e))
            {
                problem = e.Message;
                return null;
            }
        }

        public bool HasKeyUsage(int bits) => KeyUsage == null || (KeyUsage.Value & bits) != 0;

        /// <summary>True when the certificate's signature verifies with <paramref name="issuerKey"/> (and names the same algorithm inside and out).</summary>
        public bool IsSignedBy(KeyInfo issuerKey)
        {
            try
            {
                return RsaSignatures.SameAlgorithm(Bc.SignatureAlgorithm, Bc.TbsCertificate.Signature)
                    && issuerKey.Verify(Bc.SignatureAlgorithm, Bc.GetTbsCertificate(), Bc.GetSignature());
            }
            catch (Exception e) when (IsDecodingFailure(e))
            {
                return false;
            }
        }

        internal static bool IsDecodingFailure(Exception e) =>
            e is ArgumentException or FormatException or InvalidCastException or InvalidOperationException or System.IO.IOException
                or ArithmeticException or IndexOutOfRangeException or NotSupportedException or CryptographicException
                or Org.BouncyCastle.Security.Certificates.CertificateException or Org.BouncyCastle.Security.SecurityUtilityException
                or Org.BouncyCastle.Security.GeneralSecurityException or Asn1Exception or NullReferenceException;

        private void ReadExtensions(X509Extensions? extensions)
        {
            if (extensions == null)
            {
                return;
            }

            var unknownCritical = new List<string>();
            foreach (DerObjectIdentifier oid in extensions.ExtensionOids)
            {
                var extension = extensions.GetExtension(oid);
                if (!Understood.Contains(oid.Id))
                {
                    if (extension.IsCritical)
                    {
                        unknownCritical.Add(oid.Id);
                    }

                    continue;
                }

                try
                {
                    ReadExtension(oid.Id, extension.GetParsedValue());
                }
                catch (Exception e) when (IsDecodingFailure(e))
                {
                    ExtensionProblem ??= $"its {ExtensionName(oid.Id)} extension cannot be decoded ({e.Message})";
                }
            }

            UnknownCriticalExtensions = unknownCritical;
        }

        private void ReadExtension(string oid, Asn1Object value)
        {
            if (oid == X509Extensions.SubjectKeyIdentifier.Id)
            {
                SubjectKeyIdentifier = Asn1OctetString.GetInstance(value).GetOctets();
            }
            else if (oid == X509Extensions.AuthorityKeyIdentifier.Id)
            {
                AuthorityKeyIdentifier = Org.BouncyCastle.Asn1.X509.AuthorityKeyIdentifier.GetInstance(value).KeyIdentifier?.GetOctets();
            }
            else if (oid == X509Extensions.KeyUsage.Id)
            {
                KeyUsage = Org.BouncyCastle.Asn1.X509.KeyUsage.GetInstance(value).IntValue;
            }
            else if (oid == X509Extensions.ExtendedKeyUsage.Id)
            {
                ExtendedKeyUsage = Asn1Sequence.GetInstance(value).Cast<Asn1Encodable>().Select(e => DerObjectIdentifier.GetInstance(e).Id).ToArray();
            }
            else if (oid == X509Extensions.BasicConstraints.Id)
            {
                var constraints = BasicConstraints.GetInstance(value);
                IsCa = constraints.IsCA();
                var length = constraints.PathLenConstraint;
                if (length != null)
                {
                    PathLengthConstraint = length.BitLength > 30 ? int.MaxValue : length.IntValue;
                }
            }
            else if (oid == X509Extensions.SubjectAlternativeName.Id)
            {
                SubjectAlternativeNames = GeneralNames.GetInstance(value).GetNames();
            }
            else if (oid == X509Extensions.IssuerAlternativeName.Id)
            {
                GeneralNames.GetInstance(value);
            }
            else if (oid == X509Extensions.NameConstraints.Id)
            {
                var constraints = NameConstraints.GetInstance(value);
                PermittedSubtrees = constraints.PermittedSubtreesValue?.GetElements();
                ExcludedSubtrees = constraints.ExcludedSubtreesValue?.GetElements();
            }
            else if (oid == X509Extensions.CertificatePolicies.Id)
            {
                Policies = Asn1Sequence.GetInstance(value).Cast<Asn1Encodable>().Select(PolicyInformation.GetInstance).ToArray();
            }
            else if (oid == X509Extensions.PolicyMappings.Id)
            {
                var mappings = new List<(string, string)>();
                foreach (Asn1Encodable element in Asn1Sequence.GetInstance(value))
                {
                    var pair = Asn1Sequence.GetInstance(element);
                    if (pair.Count != 2)
                    {
                        throw new FormatException("a policy mapping is not a pair of policies");
                    }

                    mappings.Add((DerObjectIdentifier.GetInstance(pair[0]).Id, DerObjectIdentifier.GetInstance(pair[1]).Id));
                }

                PolicyMappings = mappings;
            }
            else if (oid == X509Extensions.PolicyConstraints.Id)
            {
                foreach (Asn1Encodable element in Asn1Sequence.GetInstance(value))
                {
                    var tagged = Asn1TaggedObject.GetInstance(element);
                    int skip = SkipCerts(DerInteger.GetInstance(tagged, false));
                    if (tagged.TagNo == 0)
                    {
                        RequireExplicitPolicy = skip;
                    }
                    else if (tagged.TagNo == 1)
                    {
                        InhibitPolicyMapping = skip;
                    }
                }
            }
            else if (oid == X509Extensions.InhibitAnyPolicy.Id)
            {
                InhibitAnyPolicy = SkipCerts(DerInteger.GetInstance(value));
            }
            else if (oid == X509Extensions.CrlDistributionPoints.Id)
            {
                CrlDistributionPoints = CrlDistPoint.GetInstance(value).GetDistributionPoints();
            }
            else if (oid == X509Extensions.FreshestCrl.Id)
            {
                FreshestCrl = CrlDistPoint.GetInstance(value).GetDistributionPoints();
            }
            else if (oid == X509Extensions.AuthorityInfoAccess.Id)
            {
                var responders = new List<Uri>();
                foreach (AccessDescription access in AuthorityInformationAccess.GetInstance(value).GetAccessDescriptions())
                {
                    if (access.AccessMethod.Equals(AccessDescription.IdADOcsp)
                        && access.AccessLocation.TagNo == GeneralName.UniformResourceIdentifier
                        && Uri.TryCreate(DerIA5String.GetInstance(access.AccessLocation.Name).GetString(), UriKind.Absolute, out Uri? uri))
                    {
                        responders.Add(uri);
                    }
                }

                OcspResponders = responders;
            }
            else if (oid == X509Extensions.SubjectInfoAccess.Id)
            {
                Asn1Sequence.GetInstance(value);
            }
            else if (oid == OcspNoCheckOid)
            {
                HasOcspNoCheck = true;
            }
        }

        private static int SkipCerts(DerInteger value)
        {
            var number = value.Value;
            if (number.SignValue < 0)
            {
                throw new FormatException("a SkipCerts value is negative");
            }

            return number.BitLength > 30 ? int.MaxValue : number.IntValue;
        }

        internal static string ExtensionName(string oid) => oid switch
        {
            "2.5.29.14" => "subjectKeyIdentifier",
            "2.5.29.35" => "authorityKeyIdentifier",
            "2.5.29.15" => "keyUsage",
            "2.5.29.37" => "extendedKeyUsage",
            "2.5.29.19" => "basicConstraints",
            "2.5.29.17" => "subjectAltName",
            "2.5.29.18" => "issuerAltName",
            "2.5.29.30" => "nameConstraints",
            "2.5.29.32" => "certificatePolicies",
            "2.5.29.33" => "policyMappings",
            "2.5.29.36" => "policyConstraints",
            "2.5.29.54" => "inhibitAnyPolicy",
            "2.5.29.31" => "cRLDistributionPoints",
            "2.5.29.46" => "freshestCRL",
            "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess",
            "1.3.6.1.5.5.7.1.11" => "subjectInfoAccess",
            "2.5.29.20" => "cRLNumber",
            "2.5.29.27" => "deltaCRLIndicator",
            "2.5.29.28" => "issuingDistributionPoint",
            "2.5.29.21" => "reasonCode",
            "2.5.29.24" => "invalidityDate",
            "2.5.29.29" => "certificateIssuer",
            "2.5.29.23" => "holdInstructionCode",
            _ => oid,
        };
    }
}
