using System;
using System.Collections.Generic;
using System.Linq;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// The basic path validation of RFC 5280 §6.1 for one candidate path: signatures, validity, revocation (through
    /// <see cref="RevocationChecker"/>), name constraints, certificate policies, basic constraints, key usage and critical
    /// extensions. Unlike the RFC's algorithm it does not stop at the first failure: it records every problem so that the
    /// result can explain all of them.
    /// </summary>
    internal static class PathProcessor
    {
        private const string EmailProtection = "1.3.6.1.5.5.7.3.4";
        private const string AnyExtendedKeyUsage = "2.5.29.37.0";

        /// <param name="run">The validation this path belongs to.</param>
        /// <param name="path">The certificate issued by the anchor first, the target last.</param>
        /// <param name="anchor">The trust anchor; null for a path whose top has no known issuer (its signature is then not checked).</param>
        /// <param name="kind">What the target is validated for.</param>
        /// <param name="policy">The RFC 5280 policy inputs.</param>
        /// <param name="checkRevocation">False for paths that do not reach a chosen anchor (their revocation means nothing).</param>
        /// <param name="anchorRole">What to call <paramref name="anchor"/> in messages ("trust anchor", or the untrusted root a path ends at).</param>
        public static PathOutcome Process(ValidationRun run, List<CertificateData> path, CertificateData? anchor, TargetKind kind,
            PolicyInputs policy, bool checkRevocation, string anchorRole = "trust anchor")
        {
            int n = path.Count;
            var outcome = new PathOutcome(path, anchor);
            var time = run.Time;

            void Report(TrustProblemCode code, string message, CertificateData? certificate, int chainIndex, bool error = true) =>
                outcome.Problems.Add(new TrustProblem(code, error ? TrustProblemSeverity.Error : TrustProblemSeverity.Warning, message,
                    certificate?.Certificate, chainIndex));

            KeyInfo? workingKey = null;
            if (anchor != null)
            {
                CheckValidity(anchor, n, anchorRole, time, Report);
                if (anchor.Key == null)
                {
                    Report(TrustProblemCode.MalformedCertificate, $"The public key of the {anchorRole} {anchor.DisplayName} cannot be decoded ({anchor.KeyProblem}).", anchor, n);
                }

                CheckKey(run, anchor.Key, anchor, n, anchorRole, Report);
                workingKey = anchor.Key;
                if (n == 0)
                {
                    // The certificate asked about is itself a trust anchor: only its dates and usage remain to check.
                    CheckPurpose(run, anchor, anchor.Key, kind, 0, Report);
                    outcome.TargetKey = anchor.Key;
                    outcome.ExplicitPolicyRequired = policy.RequireExplicitPolicy;
                    return outcome;
                }
            }

            PolicyTree? tree = PolicyTree.Create();
            string? treeLostAt = null;
            bool policyReported = false;
            int explicitPolicy = policy.RequireExplicitPolicy ? 0 : n + 1;
            int inhibitAnyPolicy = policy.InhibitAnyPolicy ? 0 : n + 1;
            int policyMapping = policy.InhibitPolicyMapping ? 0 : n + 1;
            int maxPathLength = n;
            var nameConstraints = new NameConstraintState();
            CertificateData? issuer = anchor;

            for (int i = 0; i < n; i++)
            {
                run.Token.ThrowIfCancellationRequested();
                var c = path[i];
                bool last = i == n - 1;
                int index = n - 1 - i;
                string role = last ? "certificate" : "CA certificate";

                if (c.ExtensionProblem != null)
                {
                    Report(TrustProblemCode.MalformedCertificate, $"The {role} {c.DisplayName} cannot be relied on: {c.ExtensionProblem}.", c, index);
                }

                if (c.Key == null)
                {
                    Report(TrustProblemCode.MalformedCertificate, $"The public key of the {role} {c.DisplayName} cannot be decoded ({c.KeyProblem}).", c, index);
                }

                // (a)(1) the signature, with the working public key
                if (workingKey != null && issuer != null && !c.IsSignedBy(workingKey))
                {
                    Report(TrustProblemCode.InvalidSignature,
                        $"The signature on the {role} {c.DisplayName} does not verify with the key of its issuer {issuer.DisplayName}: it was altered or not issued by that CA.", c, index);
                }

                string? digest = AlgorithmStrength.WeakDigest(c.Bc.SignatureAlgorithm, out bool brokenDigest);
                if (digest != null)
                {
                    bool error = brokenDigest && !run.Options.AllowWeakAlgorithms;
                    Report(TrustProblemCode.WeakAlgorithm, brokenDigest
                        ? $"The {role} {c.DisplayName} is signed with {digest}, which is broken: such signatures can be forged.{(error ? " Allowed only with AllowWeakAlgorithms." : string.Empty)}"
                        : $"The {role} {c.DisplayName} is signed with {digest}, which is weak.", c, index, error);
                }

                // (a)(2) validity at the validation time
                CheckValidity(c, index, role, time, Report);

                // (b), (c) name constraints, except on self-issued intermediates
                if (!(c.IsSelfIssued && !last))
                {
                    string? violation = nameConstraints.Check(c);
                    if (violation != null)
                    {
                        Report(TrustProblemCode.NameConstraintViolation, $"The {role} {c.DisplayName} breaks the name constraints of the path: {violation}.", c, index);
                    }
                }

                // (d), (e), (f) certificate policies
                if (tree != null)
                {
                    if (c.Policies != null)
                    {
                        ProcessPolicies(tree, c, i, last, inhibitAnyPolicy);
                        if (!tree.Prune(i))
                        {
                            tree = null;
                            treeLostAt = $"{c.DisplayName} asserts no policy its issuers allow";
                        }
                    }
                    else
                    {
                        tree = null;
                        treeLostAt = $"{c.DisplayName} has no certificate policies";
                    }
                }

                if (explicitPolicy <= 0 && tree == null && !policyReported)
                {
                    policyReported = true;
                    Report(TrustProblemCode.PolicyViolation, $"The path must carry an acceptable certificate policy, but none is left: {treeLostAt ?? "no policy"}.", c, index);
                }

                KeyInfo? key = c.Key?.InheritFrom(workingKey);
                CheckKey(run, key, c, index, role, Report);

                // (a)(3) revocation
                if (checkRevocation && anchor != null && issuer != null)
                {
                    run.Revocation.Check(c, issuer, workingKey, anchor, outcome, index);
                }

                if (!last)
                {
                    // §6.1.4 preparation for certificate i+1
                    if (c.PolicyMappings != null)
                    {
                        if (c.PolicyMappings.Any(m => m.IssuerDomain == ValidationOptions.AnyPolicy || m.SubjectDomain == ValidationOptions.AnyPolicy))
                        {
                            Report(TrustProblemCode.InvalidPolicyMapping, $"The CA certificate {c.DisplayName} maps a policy to or from anyPolicy, which is not allowed.", c, index);
                        }
                        else if (tree != null)
                        {
                            MapPolicies(tree, c, i, policyMapping > 0);
                            if (!tree.Prune(i))
                            {
                                tree = null;
                                treeLostAt = $"policy mapping is inhibited at {c.DisplayName}";
                            }
                        }
                    }

                    nameConstraints.Add(c);
                    if (!c.IsSelfIssued)
                    {
                        explicitPolicy = Math.Max(0, explicitPolicy - 1);
                        policyMapping = Math.Max(0, policyMapping - 1);
                        inhibitAnyPolicy = Math.Max(0, inhibitAnyPolicy - 1);
                    }

                    if (c.RequireExplicitPolicy is int require && require < explicitPolicy)
                    {
                        explicitPolicy = require;
                    }

                    if (c.InhibitPolicyMapping is int inhibitMapping && inhibitMapping < policyMapping)
                    {
                        policyMapping = inhibitMapping;
                    }

                    if (c.InhibitAnyPolicy is int inhibitAny && inhibitAny < inhibitAnyPolicy)
                    {
                        inhibitAnyPolicy = inhibitAny;
                    }

                    // (k) a CA
                    if (c.Version < 3)
                    {
                        Report(TrustProblemCode.BasicConstraintsViolation, $"The certificate {c.DisplayName} issued another certificate, but as a version {c.Version} certificate it cannot be a CA.", c, index);
                    }
                    else if (c.IsCa != true)
                    {
                        Report(TrustProblemCode.BasicConstraintsViolation, c.IsCa == null
                            ? $"The certificate {c.DisplayName} issued another certificate but is not a CA: it has no basicConstraints extension."
                            : $"The certificate {c.DisplayName} issued another certificate but is not a CA (basicConstraints cA is false).", c, index);
                    }

                    // (l), (m) path length
                    if (!c.IsSelfIssued)
                    {
                        if (maxPathLength <= 0)
                        {
                            Report(TrustProblemCode.BasicConstraintsViolation, $"The CA certificate {c.DisplayName} is one CA too many: an issuing CA's pathLenConstraint does not allow it.", c, index);
                        }
                        else
                        {
                            maxPathLength--;
                        }
                    }

                    if (c.PathLengthConstraint is int pathLength && pathLength < maxPathLength)
                    {
                        maxPathLength = pathLength;
                    }

                    // (n) keyCertSign
                    if (c.KeyUsage is int usage && (usage & KeyUsage.KeyCertSign) == 0)
                    {
                        Report(TrustProblemCode.CaKeyUsageNotPermitted, $"The CA certificate {c.DisplayName} issued another certificate, but its key usage does not include keyCertSign.", c, index);
                    }

                    // (o) critical extensions
                    ReportUnknownCritical(c, index, role, Report);
                    workingKey = key;
                    issuer = c;
                }
                else
                {
                    // §6.1.5 wrap-up
                    if (explicitPolicy > 0)
                    {
                        explicitPolicy--;
                    }

                    if (c.RequireExplicitPolicy == 0)
                    {
                        explicitPolicy = 0;
                    }

                    ReportUnknownCritical(c, index, role, Report);
                    CheckPurpose(run, c, key, kind, index, Report);
                    outcome.TargetKey = key;

                    outcome.AuthoritySet = tree?.PolicySet(n) ?? Array.Empty<string>();
                    tree = Intersect(tree, policy, n);
                    outcome.UserSet = tree?.PolicySet(n) ?? Array.Empty<string>();
                    outcome.ExplicitPolicyRequired = explicitPolicy == 0;
                    if (explicitPolicy == 0 && tree == null && !policyReported)
                    {
                        policyReported = true;
                        Report(TrustProblemCode.PolicyViolation, treeLostAt != null
                            ? $"The path must carry an acceptable certificate policy, but none is left: {treeLostAt}."
                            : "The path must carry one of the required certificate policies, and it carries none of them.", c, index);
                    }
                }
            }

            return outcome;
        }

        /// <summary>RFC 5280 §6.1.3 (d) (1) and (2): grow the tree by the certificate's policies.</summary>
        private static void ProcessPolicies(PolicyTree tree, CertificateData c, int i, bool last, int inhibitAnyPolicy)
        {
            var parents = tree.NodesAtDepth(i);
            PolicyInformation? anyPolicy = null;
            foreach (var information in c.Policies!)
            {
                string oid = information.PolicyIdentifier.Id;
                if (oid == ValidationOptions.AnyPolicy)
                {
                    anyPolicy = information;
                    continue;
                }

                bool matched = false;
                foreach (var parent in parents)
                {
                    if (parent.ExpectedPolicies.Contains(oid))
                    {
                        _ = new PolicyNode(oid, parent, new[] { oid });
                        matched = true;
                    }
                }

                if (!matched)
                {
                    foreach (var parent in parents.Where(p => p.ValidPolicy == ValidationOptions.AnyPolicy))
                    {
                        _ = new PolicyNode(oid, parent, new[] { oid });
                    }
                }
            }

            if (anyPolicy != null && (inhibitAnyPolicy > 0 || (!last && c.IsSelfIssued)))
            {
                foreach (var parent in parents)
                {
                    foreach (string expected in parent.ExpectedPolicies.ToList())
                    {
                        if (!parent.Children.Any(child => child.ValidPolicy == expected))
                        {
                            _ = new PolicyNode(expected, parent, new[] { expected });
                        }
                    }
                }
            }
        }

        /// <summary>RFC 5280 §6.1.4 (b): apply the certificate's policy mappings to the nodes it just added.</summary>
        private static void MapPolicies(PolicyTree tree, CertificateData c, int i, bool mappingAllowed)
        {
            var nodes = tree.NodesAtDepth(i + 1);
            foreach (var group in c.PolicyMappings!.GroupBy(m => m.IssuerDomain, StringComparer.Ordinal))
            {
                var mapped = group.Select(m => m.SubjectDomain).Distinct(StringComparer.Ordinal).ToList();
                var matching = nodes.Where(node => node.ValidPolicy == group.Key).ToList();
                if (mappingAllowed)
                {
                    if (matching.Count > 0)
                    {
                        foreach (var node in matching)
                        {
                            node.ExpectedPolicies = new HashSet<string>(mapped, StringComparer.Ordinal);
                        }
                    }
                    else
                    {
                        var any = nodes.FirstOrDefault(node => node.ValidPolicy == ValidationOptions.AnyPolicy);
                        if (any?.Parent != null)
                        {
                            _ = new PolicyNode(group.Key, any.Parent, mapped);
                        }
                    }
                }
                else
                {
                    foreach (var node in matching)
                    {
                        PolicyTree.Remove(node);
                    }
                }
            }
        }

        /// <summary>RFC 5280 §6.1.5 (g): the intersection of the tree with the user-initial-policy-set.</summary>
        private static PolicyTree? Intersect(PolicyTree? tree, PolicyInputs policy, int n)
        {
            if (tree == null || policy.InitialIsAnyPolicy)
            {
                return tree;
            }

            var validNodeSet = tree.AllNodes()
                .Where(node => node.Parent != null && node.Parent.ValidPolicy == ValidationOptions.AnyPolicy)
                .ToList();
            var validPolicies = new HashSet<string>(validNodeSet.Select(node => node.ValidPolicy), StringComparer.Ordinal);
            foreach (var node in validNodeSet)
            {
                if (node.ValidPolicy != ValidationOptions.AnyPolicy && !policy.InitialPolicies.Contains(node.ValidPolicy))
                {
                    PolicyTree.Remove(node);
                }
            }

            var anyLeaf = tree.NodesAtDepth(n).FirstOrDefault(node => node.ValidPolicy == ValidationOptions.AnyPolicy);
            if (anyLeaf?.Parent != null)
            {
                foreach (string oid in policy.InitialPolicies)
                {
                    if (!validPolicies.Contains(oid))
                    {
                        _ = new PolicyNode(oid, anyLeaf.Parent, new[] { oid });
                    }
                }

                PolicyTree.Remove(anyLeaf);
            }

            return tree.Prune(n - 1) ? tree : null;
        }

        private static void CheckValidity(CertificateData c, int index, string role, DateTimeOffset time,
            Action<TrustProblemCode, string, CertificateData?, int, bool> report)
        {
            if (time > c.NotAfter)
            {
                report(TrustProblemCode.Expired, $"The {role} {c.DisplayName} expired on {TrustText.When(c.NotAfter)} (validated at {TrustText.When(time)}).", c, index, true);
            }

            if (time < c.NotBefore)
            {
                report(TrustProblemCode.NotYetValid, $"The {role} {c.DisplayName} is not valid before {TrustText.When(c.NotBefore)} (validated at {TrustText.When(time)}).", c, index, true);
            }
        }

        private static void CheckKey(ValidationRun run, KeyInfo? key, CertificateData c, int index, string role,
            Action<TrustProblemCode, string, CertificateData?, int, bool> report)
        {
            string? weak = AlgorithmStrength.WeakKey(key, out bool broken);
            if (weak != null)
            {
                bool error = broken && !run.Options.AllowWeakAlgorithms;
                report(TrustProblemCode.WeakKey, broken
                    ? $"The {role} {c.DisplayName} has a {weak} key, which can be broken.{(error ? " Allowed only with AllowWeakAlgorithms." : string.Empty)}"
                    : $"The {role} {c.DisplayName} has a {weak} key, below the {Policy.AlgorithmPolicy.MinimumRsaKeySize} bits required of new keys.", c, index, error);
            }
        }

        private static void ReportUnknownCritical(CertificateData c, int index, string role, Action<TrustProblemCode, string, CertificateData?, int, bool> report)
        {
            foreach (string oid in c.UnknownCriticalExtensions)
            {
                report(TrustProblemCode.UnknownCriticalExtension, $"The {role} {c.DisplayName} has a critical extension this validator does not understand ({oid}), so it must not be relied on.", c, index, true);
            }
        }

        private static void CheckPurpose(ValidationRun run, CertificateData c, KeyInfo? key, TargetKind kind, int index,
            Action<TrustProblemCode, string, CertificateData?, int, bool> report)
        {
            if (kind == TargetKind.CrlSigner)
            {
                if (c.KeyUsage is int crlUsage && (crlUsage & KeyUsage.CrlSign) == 0)
                {
                    report(TrustProblemCode.CaKeyUsageNotPermitted, $"The certificate {c.DisplayName} signed a CRL, but its key usage does not include cRLSign.", c, index, true);
                }

                return;
            }

            var purpose = run.Options.Purpose;
            if (purpose == CertificatePurpose.Any)
            {
                return;
            }

            bool signing = purpose == CertificatePurpose.EmailSigning;
            if (c.ExtendedKeyUsage != null && !c.ExtendedKeyUsage.Contains(EmailProtection) && !c.ExtendedKeyUsage.Contains(AnyExtendedKeyUsage))
            {
                report(TrustProblemCode.KeyUsageNotPermitted, $"The certificate {c.DisplayName} is not for e-mail: its extended key usage does not include emailProtection.", c, index, true);
            }

            if (signing)
            {
                if (key?.AlgorithmOid is AlgorithmOids.X25519 or AlgorithmOids.X448)
                {
                    report(TrustProblemCode.KeyUsageNotPermitted, $"The certificate {c.DisplayName} holds a key-agreement key, which cannot sign.", c, index, true);
                }
                else if (c.KeyUsage is int usage && (usage & (KeyUsage.DigitalSignature | KeyUsage.NonRepudiation)) == 0)
                {
                    report(TrustProblemCode.KeyUsageNotPermitted, $"The certificate {c.DisplayName} may not sign: its key usage has neither digitalSignature nor nonRepudiation.", c, index, true);
                }

                return;
            }

            int needed = key?.IsRsa == true ? KeyUsage.KeyEncipherment : KeyUsage.KeyAgreement;
            if (key?.AlgorithmOid is AlgorithmOids.Ed25519 or AlgorithmOids.Ed448 or AlgorithmOids.Dsa)
            {
                report(TrustProblemCode.KeyUsageNotPermitted, $"The certificate {c.DisplayName} holds a signature-only key, which cannot be encrypted to.", c, index, true);
            }
            else if (c.KeyUsage is int usage && (usage & needed) == 0)
            {
                report(TrustProblemCode.KeyUsageNotPermitted, $"The certificate {c.DisplayName} may not be encrypted to: its key usage lacks {(needed == KeyUsage.KeyEncipherment ? "keyEncipherment" : "keyAgreement")}.", c, index, true);
            }
        }

    }
}
