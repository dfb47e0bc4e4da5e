using System;
using System.Collections.Generic;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// permitted_subtrees and excluded_subtrees of RFC 5280 §6.1. The permitted subtrees are kept as one set per CA rather
    /// than intersected: a name must lie in some subtree of every set that constrains its name form, which is the same.
    /// Supported forms: directoryName, rfc822Name (also for emailAddress in the subject), dNSName, URI and iPAddress;
    /// a constraint on another form that a certificate uses fails the certificate, as RFC 5280 §4.2.1.10 asks.
    /// </summary>
    internal sealed class NameConstraintState
    {
        private static readonly DerObjectIdentifier EmailAddressOid = new("1.2.840.113549.1.9.1");

        private readonly List<IReadOnlyList<GeneralSubtree>> _permitted = new();
        private readonly List<GeneralSubtree> _excluded = new();

        public void Add(CertificateData ca)
        {
            if (ca.PermittedSubtrees != null && ca.PermittedSubtrees.Count > 0)
            {
                _permitted.Add(ca.PermittedSubtrees);
            }

            if (ca.ExcludedSubtrees != null)
            {
                _excluded.AddRange(ca.ExcludedSubtrees);
            }
        }

        /// <summary>Null when every name of <paramref name="certificate"/> is allowed; otherwise what is not.</summary>
        public string? Check(CertificateData certificate)
        {
            if (_permitted.Count == 0 && _excluded.Count == 0)
            {
                return null;
            }

            var names = new List<GeneralName>();
            if (!certificate.Subject.IsEmpty)
            {
                names.Add(new GeneralName(certificate.Subject.Name));
                foreach (string email in certificate.Bc.SubjectDN.GetValueList(EmailAddressOid))
                {
                    names.Add(new GeneralName(GeneralName.Rfc822Name, email));
                }
            }

            names.AddRange(certificate.SubjectAlternativeNames);
            foreach (var name in names)
            {
                string? problem = CheckName(name);
                if (problem != null)
                {
                    return problem;
                }
            }

            return null;
        }

        private string? CheckName(GeneralName name)
        {
            bool supported = IsSupported(name.TagNo);
            foreach (var set in _permitted)
            {
                var sameForm = set.Where(s => s.Base.TagNo == name.TagNo).ToList();
                if (sameForm.Count == 0)
                {
                    continue;
                }

                if (!supported)
                {
                    return $"its {FormName(name.TagNo)} cannot be checked against the name constraints of an issuing CA";
                }

                if (!sameForm.Any(s => Matches(name, s.Base)))
                {
                    return $"its {FormName(name.TagNo)} {Show(name)} is outside the subtrees an issuing CA permits";
                }
            }

            foreach (var subtree in _excluded.Where(s => s.Base.TagNo == name.TagNo))
            {
                if (!supported)
                {
                    return $"its {FormName(name.TagNo)} cannot be checked against the name constraints of an issuing CA";
                }

                if (Matches(name, subtree.Base))
                {
                    return $"its {FormName(name.TagNo)} {Show(name)} is inside a subtree an issuing CA excludes ({Show(subtree.Base)})";
                }
            }

            return null;
        }

        private static bool IsSupported(int tag) =>
            tag is GeneralName.DirectoryName or GeneralName.Rfc822Name or GeneralName.DnsName
                or GeneralName.UniformResourceIdentifier or GeneralName.IPAddress;

        private static bool Matches(GeneralName name, GeneralName constraint)
        {
            switch (name.TagNo)
            {
                case GeneralName.DirectoryName:
                    return DistinguishedName.From(name.Name).IsWithin(DistinguishedName.From(constraint.Name));
                case GeneralName.Rfc822Name:
                    return EmailMatches(Text(name), Text(constraint));
                case GeneralName.DnsName:
                    return DnsMatches(Text(name), Text(constraint));
                case GeneralName.UniformResourceIdentifier:
                    return UriMatches(Text(name), Text(constraint));
                case GeneralName.IPAddress:
                    return AddressMatches(Asn1OctetString.GetInstance(name.Name).GetOctets(), Asn1OctetString.GetInstance(constraint.Name).GetOctets());
                default:
                    return false;
            }
        }

        /// <summary>RFC 5280 §4.2.1.10: a mailbox ("a@host"), a host ("host") or every host of a domain (".domain").</summary>
        internal static bool EmailMatches(string address, string constraint)
        {
            int at = address.LastIndexOf('@');
            if (at <= 0 || at == address.Length - 1)
            {
                return false;
            }

            string domain = address[(at + 1)..];
            if (constraint.Contains('@', StringComparison.Ordinal))
            {
                int cat = constraint.LastIndexOf('@');
                return string.Equals(address[..at], constraint[..cat], StringComparison.Ordinal)
                    && string.Equals(domain, constraint[(cat + 1)..], StringComparison.OrdinalIgnoreCase);
            }

            if (constraint.StartsWith('.'))
            {
                return domain.Length > constraint.Length && domain.EndsWith(constraint, StringComparison.OrdinalIgnoreCase);
            }

            return string.Equals(domain, constraint, StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>A DNS constraint covers the name itself and every name below it, on label boundaries.</summary>
        internal static bool DnsMatches(string name, string constraint)
        {
            name = name.TrimEnd('.');
            constraint = constraint.TrimEnd('.');
            if (constraint.Length == 0)
            {
                return true;
            }

            if (constraint.StartsWith('.'))
            {
                return name.Length > constraint.Length && name.EndsWith(constraint, StringComparison.OrdinalIgnoreCase);
            }

            return string.Equals(name, constraint, StringComparison.OrdinalIgnoreCase)
                || (name.Length > constraint.Length && name.EndsWith("." + constraint, StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>A URI constraint names a host ("host") or every host of a domain (".domain"); a URI without a host matches nothing.</summary>
        internal static bool UriMatches(string uri, string constraint)
        {
            if (!Uri.TryCreate(uri, UriKind.Absolute, out Uri? parsed) || string.IsNullOrEmpty(parsed.Host))
            {
                return false;
            }

            string host = parsed.Host.TrimEnd('.');
            if (constraint.StartsWith('.'))
            {
                return host.Length > constraint.Length && host.EndsWith(constraint, StringComparison.OrdinalIgnoreCase);
            }

            return string.Equals(host, constraint, StringComparison.OrdinalIgnoreCase);
        }

        internal static bool AddressMatches(byte[] address, byte[] constraint)
        {
            if (constraint.Length != address.Length * 2)
            {
                return false;
            }

            for (int i = 0; i < address.Length; i++)
            {
                byte mask = constraint[address.Length + i];
                if ((address[i] & mask) != (constraint[i] & mask))
                {
                    return false;
                }
            }

            return true;
        }

        private static string Text(GeneralName name) => ((IAsn1String)name.Name.ToAsn1Object()).GetString();

        private static string Show(GeneralName name) => name.TagNo switch
        {
            GeneralName.DirectoryName => "'" + DistinguishedName.From(name.Name) + "'",
            GeneralName.Rfc822Name or GeneralName.DnsName or GeneralName.UniformResourceIdentifier => "'" + Text(name) + "'",
            GeneralName.IPAddress => Convert.ToHexString(Asn1OctetString.GetInstance(name.Name).GetOctets()),
            _ => string.Empty,
        };

        internal static string FormName(int tag) => tag switch
        {
            GeneralName.OtherName => "otherName",
            GeneralName.Rfc822Name => "e-mail address",
            GeneralName.DnsName => "DNS name",
            GeneralName.X400Address => "X.400 address",
            GeneralName.DirectoryName => "distinguished name",
            GeneralName.EdiPartyName => "EDI party name",
            GeneralName.UniformResourceIdentifier => "URI",
            GeneralName.IPAddress => "IP address",
            GeneralName.RegisteredID => "registered ID",
            _ => "name",
        };
    }
}
