using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Validates a certificate's certification path (RFC 5280 §6) to a trust anchor the user chose: it builds candidate
    /// paths (issuer/subject names, key identifiers, several candidates, cross-certificates, loops and length limits),
    /// validates each — signatures, validity at the validation time, basic constraints and path length, key usage, name
    /// constraints, certificate policies, critical extensions, revocation — and returns the first valid one or, when none
    /// is, the best attempt with every reason it fails. Certificates and CRLs from a message help build and check the path
    /// but are never trust anchors, even when self-signed.
    /// </summary>
    /// <remarks>
    /// Weak algorithms: SHA-1 signatures and keys below 2048 bits are warnings (PKITS and old mail use them); MD2/MD5
    /// signatures and RSA/DSA keys below 1024 bits are errors unless <see cref="ValidationOptions.AllowWeakAlgorithms"/>.
    /// A certificate listed on a CRL is reported revoked whatever the revocation date, even one after the validation time.
    /// </remarks>
    public static class PathValidator
    {
        /// <summary>Validates <paramref name="certificate"/> with what <paramref name="options"/> gives.</summary>
        public static PathValidationResult Validate(X509Certificate2 certificate, ValidationOptions options, CancellationToken cancellationToken = default) =>
            Validate(certificate, null, null, options, cancellationToken);

        /// <summary>
        /// Validates <paramref name="certificate"/>, using <paramref name="untrustedCertificates"/> (typically the certificates
        /// of a SignedData) as possible intermediates and <paramref name="untrustedCrls"/> (its CRLs, DER) for revocation.
        /// </summary>
        /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires.</exception>
        public static PathValidationResult Validate(X509Certificate2 certificate, IEnumerable<X509Certificate2>? untrustedCertificates,
            IEnumerable<byte[]>? untrustedCrls, ValidationOptions options, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            ArgumentNullException.ThrowIfNull(options);
            var time = options.At ?? DateTimeOffset.UtcNow;
            var target = CertificateData.TryCreate(certificate, out string? problem);
            if (target == null)
            {
                return new PathValidationResult
                {
                    Certificate = certificate,
                    Chain = new[] { certificate },
                    ValidationTime = time,
                    RevocationMode = options.RevocationMode,
                    Problems = new[]
                    {
                        new TrustProblem(TrustProblemCode.MalformedCertificate, TrustProblemSeverity.Error,
                            $"The certificate '{certificate.Subject}' cannot be decoded ({problem}), so it cannot be trusted.", certificate, 0),
                    },
                };
            }

            var anchors = new CertificatePool();
            AddAll(anchors, options.TrustedRoots);
            if (options.UseSystemTrustStore)
            {
                AddAll(anchors, TrustStores.Read(StoreName.Root, StoreLocation.LocalMachine));
            }

            if (options.UseUserTrustStore)
            {
                AddAll(anchors, TrustStores.Read(StoreName.Root, StoreLocation.CurrentUser));
            }

            var intermediates = new CertificatePool();
            AddAll(intermediates, untrustedCertificates ?? Array.Empty<X509Certificate2>());
            AddAll(intermediates, options.ExtraCertificates);
            if (options.UseStoreIntermediates)
            {
                AddAll(intermediates, TrustStores.Read(StoreName.CertificateAuthority, StoreLocation.CurrentUser));
                AddAll(intermediates, TrustStores.Read(StoreName.CertificateAuthority, StoreLocation.LocalMachine));
            }

            var run = new ValidationRun(options, time, intermediates, anchors, cancellationToken);
            if (options.RevocationMode != RevocationMode.None)
            {
                foreach (byte[] crl in options.Crls)
                {
                    run.AddCrls(crl, "given", online: false);
                }

                foreach (var (data, source) in options.CrlFiles)
                {
                    run.AddCrls(data, source, online: false);
                }

                foreach (byte[] crl in untrustedCrls ?? Array.Empty<byte[]>())
                {
                    run.AddCrls(crl, "the message", online: false);
                }
            }

            var policy = new PolicyInputs(options.InitialPolicies, options.RequireExplicitPolicy, options.InhibitPolicyMapping, options.InhibitAnyPolicy);
            var outcome = FindPath(run, target, null, TargetKind.EndEntity, policy, out var partial, out _, out int examined);
            bool trusted = outcome != null;
            outcome ??= ProcessPartial(run, target, partial, policy);
            if (!outcome.IsValid)
            {
                // Alternatives were left untried: the answer would be a guess, so the limit that stopped the search is the answer.
                ThrowIfCut(run, target);
            }

            var chain = Enumerable.Reverse(outcome.Path).Select(c => c.Certificate).ToList();
            if (outcome.Anchor != null)
            {
                chain.Add(outcome.Anchor.Certificate);
            }

            var problems = outcome.Problems.Concat(run.InputProblems)
                .GroupBy(p => (p.Code, p.Message, p.IsError)).Select(g => g.First())
                .OrderBy(p => p.IsError ? 0 : 1).ThenBy(p => (int)p.Code)
                .ToList();
            return new PathValidationResult
            {
                Certificate = certificate,
                Chain = chain,
                TrustAnchor = trusted ? outcome.Anchor?.Certificate : null,
                Problems = problems,
                ValidationTime = time,
                RevocationMode = options.RevocationMode,
                RevocationChecks = Enumerable.Reverse(outcome.RevocationChecks).ToList(),
                AuthorityConstrainedPolicies = outcome.AuthoritySet,
                UserConstrainedPolicies = outcome.UserSet,
                ExplicitPolicyRequired = outcome.ExplicitPolicyRequired,
                PathsExamined = examined,
            };
        }

        /// <summary>
        /// Builds and validates candidate paths from <paramref name="target"/> to an anchor <paramref name="anchorFilter"/>
        /// accepts; the first valid outcome, else the one with the fewest errors; null when no path reaches an anchor.
        /// </summary>
        internal static PathOutcome? FindPath(ValidationRun run, CertificateData target, Func<CertificateData, bool>? anchorFilter, TargetKind kind,
            PolicyInputs policy, out List<CertificateData>? partial, out bool cut, out int examined)
        {
            var builder = new PathBuilder(run, anchorFilter);
            PathOutcome? best = null;
            examined = 0;
            foreach (var (targetFirst, anchor) in builder.Build(target))
            {
                run.Token.ThrowIfCancellationRequested();
                if (--run.PathsLeft < 0)
                {
                    run.Exhausted = true;
                    break;
                }

                examined++;

                var path = Enumerable.Reverse(targetFirst).ToList();
                var outcome = Process(run, path, anchor, kind, policy, checkRevocation: true);
                if (outcome.IsValid)
                {
                    best = outcome;
                    break;
                }

                if (best == null || Rank(outcome).CompareTo(Rank(best)) < 0)
                {
                    best = outcome;
                }
            }

            partial = builder.LongestPartial;
            cut = builder.WasCut;
            return best;
        }

        /// <summary>
        /// Which failed path explains best: one whose certificate signatures all verify (its other problems are the real
        /// ones), then the one with the fewest errors.
        /// </summary>
        private static (int, int) Rank(PathOutcome outcome) =>
            (outcome.Problems.Any(p => p.IsError && p.Code == TrustProblemCode.InvalidSignature && p.ChainIndex >= 0) ? 1 : 0, outcome.ErrorCount);

        /// <summary>Checks what can be checked of a path that reaches no chosen anchor, and says why it does not.</summary>
        private static PathOutcome ProcessPartial(ValidationRun run, CertificateData target, List<CertificateData>? partial, PolicyInputs policy)
        {
            partial ??= new List<CertificateData> { target };
            var top = partial[^1];
            bool selfSigned = top.IsSelfIssued && top.Key != null && top.IsSignedBy(top.Key);
            PathOutcome outcome;
            if (selfSigned)
            {
                var path = Enumerable.Reverse(partial.Take(partial.Count - 1)).ToList();
                outcome = Process(run, path, top, TargetKind.EndEntity, policy, checkRevocation: false, anchorRole: path.Count == 0 ? "self-signed certificate" : "untrusted root");
                outcome.Problems.Add(new TrustProblem(TrustProblemCode.UntrustedRoot, TrustProblemSeverity.Error,
                    $"The chain ends at the self-signed certificate {top.DisplayName}, which is not a trusted root. Trust comes only from roots you choose (the system or user root store, or a trusted root given explicitly).",
                    top.Certificate, partial.Count - 1));
            }
            else
            {
                var path = Enumerable.Reverse(partial).ToList();
                outcome = Process(run, path, null, TargetKind.EndEntity, policy, checkRevocation: false);
                outcome.Problems.Add(new TrustProblem(TrustProblemCode.PartialChain, TrustProblemSeverity.Error,
                    $"The issuer of {top.DisplayName}, '{top.Issuer}', was not found among the certificates available, so the chain does not reach a trusted root. Give the missing intermediate certificate, or trust the root it chains to.",
                    top.Certificate, partial.Count - 1));
            }

            return outcome;
        }

        /// <summary>Processes one path; something in it that cannot be decoded makes it fail rather than escape as an exception.</summary>
        private static PathOutcome Process(ValidationRun run, List<CertificateData> path, CertificateData? anchor, TargetKind kind, PolicyInputs policy,
            bool checkRevocation, string anchorRole = "trust anchor")
        {
            try
            {
                return PathProcessor.Process(run, path, anchor, kind, policy, checkRevocation, anchorRole);
            }
            catch (Exception e) when (CertificateData.IsDecodingFailure(e))
            {
                var failed = new PathOutcome(path, anchor);
                var target = path.Count > 0 ? path[^1] : anchor;
                failed.Problems.Add(new TrustProblem(TrustProblemCode.MalformedCertificate, TrustProblemSeverity.Error,
                    $"A certificate or CRL of the path of {target?.DisplayName} holds something that cannot be decoded ({e.Message}), so the path cannot be trusted.",
                    target?.Certificate, 0));
                return failed;
            }
        }

        private static void ThrowIfCut(ValidationRun run, CertificateData target)
        {
            var limits = run.Options.Limits;
            if (run.Exhausted)
            {
                throw InputLimits.Exceeded(ErrorIds.TooManyPathCandidates, $"The certificate of {target.DisplayName}",
                    "the certificates and CRLs given form more candidate paths to a trust anchor than may be tried",
                    nameof(InputLimits.MaximumPathCandidates), limits.MaximumPathCandidates, target.DisplayName);
            }

            if (run.CutByLength)
            {
                throw InputLimits.Exceeded(ErrorIds.PathTooLong, $"The certificate of {target.DisplayName}",
                    $"its path to a trust anchor would hold more than {limits.MaximumPathLength} certificates",
                    nameof(InputLimits.MaximumPathLength), limits.MaximumPathLength, target.DisplayName);
            }
        }

        private static void AddAll(CertificatePool pool, IEnumerable<CertificateData> certificates)
        {
            foreach (var certificate in certificates)
            {
                pool.Add(certificate);
            }
        }

        private static void AddAll(CertificatePool pool, IEnumerable<X509Certificate2> certificates)
        {
            foreach (var certificate in certificates)
            {
                if (certificate == null)
                {
                    continue;
                }

                var data = CertificateData.TryCreate(certificate, out _);
                if (data != null)
                {
                    pool.Add(data);
                }
            }
        }
    }
}
