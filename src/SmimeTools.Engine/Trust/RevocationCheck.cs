using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Trust
{
    /// <summary>How the revocation status of one certificate of the path was established, and what it is.</summary>
    public sealed class RevocationCheck
    {
        internal RevocationCheck()
        {
        }

        public required X509Certificate2 Certificate { get; init; }

        public RevocationStatus Status { get; init; }

        public RevocationMethod Method { get; init; }

        /// <summary>Where the deciding CRL or OCSP answer came from: "message", "file …", "given", or the URL it was fetched from.</summary>
        public string? Source { get; init; }

        /// <summary>True when the deciding answer was fetched over the network.</summary>
        public bool FetchedOnline { get; init; }

        public DateTimeOffset? RevocationDate { get; init; }

        public RevocationReason? RevocationReason { get; init; }

        /// <summary>What was tried and why it did not help (CRLs out of date, out of scope, badly signed; fetches that failed).</summary>
        public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

        public override string ToString() => $"{Status} ({Method}{(Source == null ? string.Empty : ", " + Source)}): {Certificate.Subject}";
    }
}
