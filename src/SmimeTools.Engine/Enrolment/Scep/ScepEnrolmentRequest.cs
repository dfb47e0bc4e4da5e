using System;
using System.Security;

namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>One certificate request to submit over SCEP, with the key that signs it.</summary>
    public sealed class ScepEnrolmentRequest
    {
        /// <summary>The PKCS#10 request, PEM text or DER.</summary>
        public required byte[] Request { get; init; }

        /// <summary>What the request is, for messages and results: its file, or "the request for 'CN=...'".</summary>
        public string? Description { get; init; }

        /// <summary>The request's key (PKCSReq) or the identity to renew (RenewalReq).</summary>
        public required ScepRequestKey Key { get; init; }

        /// <summary>The challenge password the CA asks for, put into the request's challengePassword attribute; null leaves the request as it is.</summary>
        public SecureString? Challenge { get; init; }

        /// <summary>
        /// Let the RFC 8894 fallback through for a server that lists neither AES nor SHA-256: triple DES and SHA-1, refused
        /// otherwise (WeakAlgorithm) as for every new message of this module.
        /// </summary>
        public bool AllowWeakAlgorithm { get; init; }

        /// <summary>How long to wait between polls (CertPoll) while the CA answers PENDING.</summary>
        public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

        /// <summary>How long to keep polling before returning Pending; zero returns Pending at the first PENDING.</summary>
        public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    }
}
