using System;
using System.Globalization;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Reads a certificate policy as a user writes it: a dotted OID, or the RFC 5280 name anyPolicy (any case) for
    /// 2.5.29.32.0. Anything else is <see cref="ErrorIds.InvalidPolicyOid"/>, so a name is never taken for a policy no CA has.
    /// </summary>
    public static class CertificatePolicyOid
    {
        /// <summary>The name RFC 5280 §4.2.1.4 gives <see cref="ValidationOptions.AnyPolicy"/>.</summary>
        public const string AnyPolicyName = "anyPolicy";

        /// <summary>The dotted OID of <paramref name="value"/>; <paramref name="parameter"/> names where it came from in the error.</summary>
        public static string Parse(string value, string parameter)
        {
            ArgumentNullException.ThrowIfNull(value);
            var text = value.Trim();
            if (string.Equals(text, AnyPolicyName, StringComparison.OrdinalIgnoreCase))
            {
                return ValidationOptions.AnyPolicy;
            }

            if (IsDottedOid(text))
            {
                return text;
            }

            throw new SmimeException(ErrorIds.InvalidPolicyOid, SmimeErrorKind.InvalidArgument,
                $"-{parameter} got '{value}', which is not a certificate policy: a policy is a dotted OID such as 2.16.840.1.101.3.2.1.48.1, or {AnyPolicyName} (2.5.29.32.0).",
                $"Give the policy OIDs your CA publishes (its certificate policy statement, or 'Certificate Policies' in the certificate), or {AnyPolicyName}.",
                value);
        }

        /// <summary>True for an OID in dotted form: at least two arcs, the first 0, 1 or 2, the second below 40 under 0 and 1, no leading zeros.</summary>
        public static bool IsDottedOid(string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            var arcs = text.Split('.');
            if (arcs.Length < 2)
            {
                return false;
            }

            foreach (var arc in arcs)
            {
                if (arc.Length == 0 || (arc.Length > 1 && arc[0] == '0'))
                {
                    return false;
                }

                foreach (var c in arc)
                {
                    if (c is < '0' or > '9')
                    {
                        return false;
                    }
                }
            }

            if (arcs[0].Length != 1 || arcs[0][0] > '2')
            {
                return false;
            }

            return arcs[0][0] == '2' || (arcs[1].Length <= 2 && int.Parse(arcs[1], CultureInfo.InvariantCulture) < 40);
        }
    }
}
