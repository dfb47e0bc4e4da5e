using System;
using System.Collections.Generic;

namespace SmimeTools.Engine.Trust
{
    /// <summary>The revocation status established for one certificate under one issuer and anchor (cached within a validation).</summary>
    internal sealed class RevocationOutcome
    {
        public RevocationStatus Status { get; init; }

        public RevocationMethod Method { get; init; }

        public string? Source { get; init; }

        public bool FetchedOnline { get; init; }

        public DateTimeOffset? Date { get; init; }

        public RevocationReason? Reason { get; init; }

        public List<string> Notes { get; init; } = new();

        /// <summary>Warnings about CRLs and OCSP answers that could not be used (bad signatures, unknown critical extensions).</summary>
        public List<TrustProblem> Warnings { get; init; } = new();
    }
}
