using System;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Trust
{
    /// <summary>One reason a certification path is not (or not entirely) trustworthy: a stable code and a plain-English sentence.</summary>
    public sealed class TrustProblem
    {
        internal TrustProblem(TrustProblemCode code, TrustProblemSeverity severity, string message, X509Certificate2? certificate, int chainIndex)
        {
            Code = code;
            Severity = severity;
            Message = message;
            Certificate = certificate;
            ChainIndex = chainIndex;
        }

        public TrustProblemCode Code { get; }

        public TrustProblemSeverity Severity { get; }

        /// <summary>True when the problem makes the path invalid.</summary>
        public bool IsError => Severity == TrustProblemSeverity.Error;

        /// <summary>What happened, to which certificate, in one or two sentences.</summary>
        public string Message { get; }

        /// <summary>The certificate the problem concerns; null when it concerns the path as a whole or a CRL.</summary>
        public X509Certificate2? Certificate { get; }

        /// <summary>Position of <see cref="Certificate"/> in <see cref="PathValidationResult.Chain"/> (0 is the end entity); -1 when not in the chain.</summary>
        public int ChainIndex { get; }

        /// <summary>For <see cref="TrustProblemCode.Revoked"/>: when the certificate was revoked.</summary>
        public DateTimeOffset? RevocationDate { get; init; }

        /// <summary>For <see cref="TrustProblemCode.Revoked"/>: why (Unspecified when the CRL or OCSP answer gives no reason).</summary>
        public RevocationReason? RevocationReason { get; init; }

        public override string ToString() => $"{Code}{(IsError ? string.Empty : " (warning)")}: {Message}";
    }
}
