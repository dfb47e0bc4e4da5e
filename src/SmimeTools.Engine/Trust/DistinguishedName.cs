using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// An X.500 name in the comparable form of RFC 5280 §7.1: attribute values of string types are compared after
    /// Unicode compatibility normalisation, case folding and whitespace compression (so a PrintableString and a
    /// UTF8String spelling of one name match); other values compare by their DER. RDN order matters.
    /// </summary>
    internal sealed class DistinguishedName : IEquatable<DistinguishedName>
    {
        private DistinguishedName(X509Name name, string[] rdns)
        {
            Name = name;
            Rdns = rdns;
            Key = string.Concat(rdns.Select(r => r.Length.ToString(CultureInfo.InvariantCulture) + "/" + r));
        }

        public X509Name Name { get; }

        /// <summary>Canonical form of each RDN, in order.</summary>
        public IReadOnlyList<string> Rdns { get; }

        /// <summary>One string that is equal exactly when the names match.</summary>
        public string Key { get; }

        public bool IsEmpty => Rdns.Count == 0;

        public static DistinguishedName From(X509Name name)
        {
            var sequence = Asn1Sequence.GetInstance(name.ToAsn1Object());
            var rdns = new string[sequence.Count];
            for (int i = 0; i < sequence.Count; i++)
            {
                var set = Asn1Set.GetInstance(sequence[i]);
                var avas = new List<string>(set.Count);
                foreach (Asn1Encodable element in set)
                {
                    var ava = Asn1Sequence.GetInstance(element);
                    if (ava.Count != 2)
                    {
                        throw new FormatException("An attribute of a distinguished name is not a type and a value.");
                    }

                    string oid = DerObjectIdentifier.GetInstance(ava[0]).Id;
                    string value = CanonicalValue(ava[1]);
                    avas.Add(oid + "=" + value.Length.ToString(CultureInfo.InvariantCulture) + ":" + value);
                }

                avas.Sort(StringComparer.Ordinal);
                rdns[i] = string.Join("+", avas);
            }

            return new DistinguishedName(name, rdns);
        }

        public static DistinguishedName From(Asn1Encodable name) => From(X509Name.GetInstance(name));

        /// <summary>True when this name is <paramref name="subtree"/> or lies below it (name constraints, RFC 5280 §4.2.1.10).</summary>
        public bool IsWithin(DistinguishedName subtree)
        {
            if (subtree.Rdns.Count > Rdns.Count)
            {
                return false;
            }

            for (int i = 0; i < subtree.Rdns.Count; i++)
            {
                if (!string.Equals(subtree.Rdns[i], Rdns[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>This name with one more RDN (nameRelativeToCRLIssuer).</summary>
        public DistinguishedName Append(Asn1Set rdn)
        {
            var vector = new Asn1EncodableVector();
            foreach (Asn1Encodable existing in Asn1Sequence.GetInstance(Name.ToAsn1Object()))
            {
                vector.Add(existing);
            }

            vector.Add(rdn);
            return From(X509Name.GetInstance(new DerSequence(vector)));
        }

        public bool Equals(DistinguishedName? other) => other is not null && string.Equals(Key, other.Key, StringComparison.Ordinal);

        public override bool Equals(object? obj) => Equals(obj as DistinguishedName);

        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

        /// <summary>The name as people read it (RFC 4514 order, most significant last, as .NET shows it).</summary>
        public override string ToString()
        {
            try
            {
                return new System.Security.Cryptography.X509Certificates.X500DistinguishedName(Name.GetEncoded()).Name;
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                return Name.ToString();
            }
        }

        private static string CanonicalValue(Asn1Encodable value)
        {
            var primitive = value.ToAsn1Object();
            if (primitive is IAsn1String text && primitive is not DerBitString && primitive is not Asn1OctetString)
            {
                return "s" + Prepare(text.GetString());
            }

            return "h" + Convert.ToHexString(primitive.GetEncoded(Asn1Encodable.Der));
        }

        /// <summary>RFC 4518 in the small: compatibility normalisation, case folding, insignificant space removed.</summary>
        private static string Prepare(string value)
        {
            string normalized;
            try
            {
                normalized = value.Normalize(NormalizationForm.FormKC);
            }
            catch (ArgumentException)
            {
                normalized = value;
            }

            var builder = new StringBuilder(normalized.Length);
            bool space = false;
            foreach (char c in normalized.Trim())
            {
                if (char.IsWhiteSpace(c))
                {
                    space = true;
                    continue;
                }

                if (space)
                {
                    builder.Append(' ');
                    space = false;
                }

                builder.Append(c);
            }

            return builder.ToString().ToUpperInvariant().ToLowerInvariant();
        }
    }
}
