using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// What validating a certificate's path found: whether it is valid, the chain used (or the best attempt), every
    /// problem with a code and a sentence, the policy sets of RFC 5280 §6.1.6 and how revocation was checked.
    /// </summary>
    public sealed class PathValidationResult
    {
        internal PathValidationResult()
        {
        }

        /// <summary>True when a path to a chosen trust anchor exists and has no error (warnings are allowed).</summary>
        public bool IsValid => !Problems.Any(p => p.IsError);

        /// <summary>The certificate validated.</summary>
        public required X509Certificate2 Certificate { get; init; }

        /// <summary>The chain, end entity first; the trust anchor last when one was reached (see <see cref="TrustAnchor"/>).</summary>
        public IReadOnlyList<X509Certificate2> Chain { get; init; } = Array.Empty<X509Certificate2>();

        /// <summary>The trust anchor the chain ends at; null when none was reached.</summary>
        public X509Certificate2? TrustAnchor { get; init; }

        /// <summary>Every problem found on the chosen path, errors and warnings, most important first.</summary>
        public IReadOnlyList<TrustProblem> Problems { get; init; } = Array.Empty<TrustProblem>();

        /// <summary>The most important error, or null when the path is valid.</summary>
        public TrustProblemCode? Status => Problems.Where(p => p.IsError).Select(p => (TrustProblemCode?)p.Code).Min();

        /// <summary>True when a weak algorithm or key was found on the path (as an error or a warning).</summary>
        public bool HasWeakAlgorithm => Problems.Any(p => p.Code is TrustProblemCode.WeakAlgorithm or TrustProblemCode.WeakKey);

        /// <summary>The time the path was validated at (the current time unless <see cref="ValidationOptions.At"/> was given).</summary>
        public DateTimeOffset ValidationTime { get; init; }

        public RevocationMode RevocationMode { get; init; }

        /// <summary>
        /// The revocation status of each certificate of <see cref="Chain"/> below the anchor, end entity first; empty when
        /// no chosen anchor was reached (the revocation of an untrusted chain is not looked up).
        /// </summary>
        public IReadOnlyList<RevocationCheck> RevocationChecks { get; init; } = Array.Empty<RevocationCheck>();

        /// <summary>
        /// The authorities-constrained policy set (RFC 5280 §6.1.6, PKITS): the policies, in the trust anchor's domain,
        /// the CAs of the path allow, before the user's initial policy set is applied. "2.5.29.32.0" stands for anyPolicy.
        /// </summary>
        public IReadOnlyList<string> AuthorityConstrainedPolicies { get; init; } = Array.Empty<string>();

        /// <summary>The user-constrained policy set: the authorities-constrained set intersected with the initial policy set.</summary>
        public IReadOnlyList<string> UserConstrainedPolicies { get; init; } = Array.Empty<string>();

        /// <summary>The explicit-policy indicator at the end of processing: true when the path had to carry an acceptable policy.</summary>
        public bool ExplicitPolicyRequired { get; init; }

        /// <summary>How many candidate paths were examined before this one was chosen.</summary>
        public int PathsExamined { get; init; }

        public override string ToString() => IsValid ? "Valid" : $"{Status}: {Problems.First(p => p.IsError).Message}";
    }
}
