using System;
using System.Collections.Generic;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>What the local CA puts into a certificate beyond the subject and its key.</summary>
    public sealed class IssuanceOptions
    {
        /// <summary>How long a certificate lives when <see cref="NotAfter"/> is not given: one year; a CA ten.</summary>
        public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(365);

        public static readonly TimeSpan DefaultAuthorityValidity = TimeSpan.FromDays(3650);

        /// <summary>The addresses (SAN rfc822Name); empty: the request's own.</summary>
        public IList<string> Emails { get; } = new List<string>();

        public IssuedKeyUsage Usage { get; set; } = IssuedKeyUsage.Both;

        /// <summary>A CA certificate (basicConstraints cA, keyCertSign and cRLSign) instead of a mail user's.</summary>
        public bool CertificateAuthority { get; set; }

        /// <summary>The end of validity asked for; later than the issuer's own end, it is cut back to it.</summary>
        public DateTimeOffset? NotAfter { get; set; }

        /// <summary>URIs for the CRL distribution point extension; none when empty.</summary>
        public IList<string> CrlDistributionPoints { get; } = new List<string>();

        /// <summary>Issue for RSA keys under 2048 bits too (DESIGN §4 refuses them by default).</summary>
        public bool AllowWeakAlgorithm { get; set; }
    }
}
