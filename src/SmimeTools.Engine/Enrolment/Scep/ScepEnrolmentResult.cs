using System;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>What a SCEP server answered to one request.</summary>
    public sealed class ScepEnrolmentResult
    {
        public required ScepEnrolmentStatus Status { get; init; }

        /// <summary>The issued certificate (the one for the request's public key), or null unless Issued.</summary>
        public X509Certificate2? Certificate { get; init; }

        /// <summary>The certificate of the CA that issues (from GetCACert), for the chain of <see cref="Certificate"/>.</summary>
        public X509Certificate2? CaCertificate { get; init; }

        /// <summary>The transactionID (hex SHA-256 of the request's SubjectPublicKeyInfo): the same for every retry of one request.</summary>
        public required string TransactionId { get; init; }

        /// <summary>Why the CA refused, when Failed.</summary>
        public ScepFailInfo? FailInfo { get; init; }

        /// <summary>The CA's own words (failInfoText), or what this client concluded.</summary>
        public string? Message { get; init; }

        /// <summary>The subject of the request.</summary>
        public required string Subject { get; init; }

        /// <summary>The SCEP URL.</summary>
        public required Uri Server { get; init; }

        /// <summary>PKCSReq or RenewalReq.</summary>
        public required string MessageType { get; init; }

        /// <summary>The request's envelope encryption ("AES-128-CBC", or "3DES-CBC" for a server without AES) and digest.</summary>
        public required string Algorithms { get; init; }

        /// <summary>How many CertPoll messages were sent while the CA answered PENDING.</summary>
        public int Polls { get; init; }

        public override string ToString() => $"{Status}: {Subject} ({TransactionId})";
    }
}
