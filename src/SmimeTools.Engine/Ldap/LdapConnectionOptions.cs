using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Ldap
{
    /// <summary>How to reach a directory: protection, credentials, whom to trust for its TLS certificate, and limits.</summary>
    public sealed class LdapConnectionOptions
    {
        /// <summary>Null: from the URL (ldaps:// is <see cref="LdapSecurity.Tls"/>, ldap:// is <see cref="LdapSecurity.None"/>).</summary>
        public LdapSecurity? Security { get; init; }

        /// <summary>A simple bind as this DN (or user@domain for Active Directory) with this password; null binds anonymously.</summary>
        public NetworkCredential? Credential { get; init; }

        /// <summary>CA certificates the server's TLS certificate may chain to besides the operating system's trusted roots.</summary>
        public IReadOnlyList<X509Certificate2> TrustedRoots { get; init; } = Array.Empty<X509Certificate2>();

        /// <summary>How long connecting, the TLS handshake and each request may take before <see cref="ErrorIds.DirectoryTimeout"/>.</summary>
        public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

        /// <summary>Most entries one search returns; the rest are left out and the search says it was cut short.</summary>
        public int SizeLimit { get; init; } = 100;

        /// <summary>Most seconds the server may spend on one search (sent to the server; 0 leaves it to the server).</summary>
        public int TimeLimitSeconds { get; init; } = 10;

        /// <summary>Entries per page (RFC 2696 paged results); servers that do not page return everything at once.</summary>
        public int PageSize { get; init; } = 50;

        /// <summary>How large one reply and the whole of a search's replies may be (<see cref="InputLimits.MaximumDirectoryReplySize"/>, <see cref="InputLimits.MaximumDirectoryResultSize"/>).</summary>
        public InputLimits Limits { get; init; } = InputLimits.Default;

        /// <summary>The protection used for <paramref name="url"/>: <see cref="Security"/> or what the scheme implies.</summary>
        public LdapSecurity SecurityFor(LdapUrl url) => Security switch
        {
            null => url.IsTls ? LdapSecurity.Tls : LdapSecurity.None,
            LdapSecurity.StartTls when url.IsTls => LdapSecurity.Tls,
            { } chosen => chosen,
        };

        /// <summary>These options with other limits.</summary>
        internal LdapConnectionOptions With(InputLimits limits) => new()
        {
            Security = Security, Credential = Credential, TrustedRoots = TrustedRoots, Timeout = Timeout, SizeLimit = SizeLimit,
            TimeLimitSeconds = TimeLimitSeconds, PageSize = PageSize, Limits = limits,
        };

        internal void Validate()
        {
            Limits.Validated();
            if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromHours(1))
            {
                throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "The timeout must be positive and at most an hour.");
            }

            if (SizeLimit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(SizeLimit), SizeLimit, "The size limit must be at least 1.");
            }

            if (PageSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(PageSize), PageSize, "The page size must be at least 1.");
            }

            if (TimeLimitSeconds < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(TimeLimitSeconds), TimeLimitSeconds, "The time limit cannot be negative.");
            }
        }
    }
}
