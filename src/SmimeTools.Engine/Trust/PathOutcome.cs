using System;
using System.Collections.Generic;
using System.Linq;

namespace SmimeTools.Engine.Trust
{
    /// <summary>What processing one candidate path found.</summary>
    internal sealed class PathOutcome
    {
        public PathOutcome(List<CertificateData> path, CertificateData? anchor)
        {
            Path = path;
            Anchor = anchor;
        }

        /// <summary>The path, the certificate issued by the anchor first and the target last (RFC 5280 order).</summary>
        public List<CertificateData> Path { get; }

        public CertificateData? Anchor { get; }

        public List<TrustProblem> Problems { get; } = new();

        public List<RevocationCheck> RevocationChecks { get; } = new();

        public IReadOnlyList<string> AuthoritySet { get; set; } = Array.Empty<string>();

        public IReadOnlyList<string> UserSet { get; set; } = Array.Empty<string>();

        public bool ExplicitPolicyRequired { get; set; }

        /// <summary>The target's public key with inherited DSA parameters (to verify what the target signed, e.g. a CRL).</summary>
        public KeyInfo? TargetKey { get; set; }

        public int ErrorCount => Problems.Count(p => p.IsError);

        public bool IsValid => ErrorCount == 0;
    }
}
