using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Policy;
using SmimeTools.Engine.Trust;

namespace SmimeTools.Engine.Operations
{
    /// <summary>One signer of one signature of a message, and every reason found not to trust it.</summary>
    public sealed class SignatureResult
    {
        internal SignatureResult()
        {
        }

        /// <summary>The message file; null for a message given in memory.</summary>
        public string? Path { get; init; }

        /// <summary>The message's name for display: its file name, or "(message in memory)".</summary>
        public string Name { get; init; } = string.Empty;

        /// <summary>True when no problem is an error: the content is unchanged, the signature verifies and the signer is trusted.</summary>
        public bool IsValid => Problems.All(p => !p.IsError);

        /// <summary>Valid, or the code of the most important error.</summary>
        public SignatureStatus Status => Problems.Where(p => p.IsError).Select(p => p.Code).DefaultIfEmpty(SignatureStatus.Valid).Min();

        /// <summary>Every problem found, errors and warnings, most important first.</summary>
        public IReadOnlyList<SignatureProblem> Problems { get; init; } = Array.Empty<SignatureProblem>();

        /// <summary>"multipart/signed" or "application/pkcs7-mime" (opaque), with "inside an encrypted layer" when it was.</summary>
        public string SignatureKind { get; init; } = string.Empty;

        /// <summary>
        /// For a signature of an attached (forwarded) message: the part the attachment is; null for the message's own
        /// signatures. An attached message's signature says nothing about the message it is attached to.
        /// </summary>
        public string? AttachedMessage { get; init; }

        /// <summary>The first e-mail address of the signer's certificate; null without certificate or address.</summary>
        public string? SignerEmail { get; init; }

        /// <summary>The signer's certificate subject, or how the signature names a certificate that was not found.</summary>
        public string Signer { get; init; } = string.Empty;

        public string? Thumbprint => Certificate?.Thumbprint;

        public X509Certificate2? Certificate { get; init; }

        /// <summary>The certification path from the signer to the trust anchor (as far as it was built).</summary>
        public IReadOnlyList<X509Certificate2> Chain { get; init; } = Array.Empty<X509Certificate2>();

        /// <summary>What the signer claims as signing time; reported, never used as the validation time.</summary>
        public DateTimeOffset? SigningTime { get; init; }

        /// <summary>The time the certificates were validated at.</summary>
        public DateTimeOffset ValidationTime { get; init; }

        public string DigestAlgorithm { get; init; } = string.Empty;

        public string SignatureAlgorithm { get; init; } = string.Empty;

        /// <summary>The content-encryption algorithms the signer announces, in its order of preference.</summary>
        public IReadOnlyList<ContentEncryptionAlgorithm> SmimeCapabilities { get; init; } = Array.Empty<ContentEncryptionAlgorithm>();

        /// <summary>The From and Sender addresses of the message, which the certificate's addresses are compared with.</summary>
        public IReadOnlyList<string> MessageAddresses { get; init; } = Array.Empty<string>();

        /// <summary>The MIME parts this signature covers ("1 text/plain", "2 application/pdf report.pdf").</summary>
        public IReadOnlyList<string> CoveredParts { get; internal set; } = Array.Empty<string>();

        /// <summary>The MIME parts of the message outside this signature: added or left unsigned (e.g. a list footer).</summary>
        public IReadOnlyList<string> UncoveredParts { get; internal set; } = Array.Empty<string>();

        /// <summary>How the revocation status of each certificate of the path was established.</summary>
        public IReadOnlyList<RevocationCheck> RevocationChecks { get; init; } = Array.Empty<RevocationCheck>();

        /// <summary>Countersignatures on this signature, checked mathematically.</summary>
        public IReadOnlyList<SignerResult> Countersignatures { get; init; } = Array.Empty<SignerResult>();

        /// <summary>The signer as the CMS reader found it (digest match, signature, attributes).</summary>
        public SignerResult? SignerInfo { get; init; }

        /// <summary>The full path validation result; null when no certificate was found.</summary>
        public PathValidationResult? Validation { get; init; }

        public override string ToString() => $"{Status}: {SignerEmail ?? Signer}";
    }
}
