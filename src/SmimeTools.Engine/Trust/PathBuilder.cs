using System;
using System.Collections.Generic;
using System.Linq;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Finds candidate paths from a certificate up to a trust anchor by issuer/subject names, trying issuers whose subject
    /// key identifier matches the authority key identifier first. Handles several candidates per step, cross-certificates,
    /// loops (a certificate, or a name and key, never appears twice in a path) and absurd inputs (a length limit and a
    /// budget of steps). Paths are produced lazily, so the caller stops at the first valid one.
    /// </summary>
    internal sealed class PathBuilder
    {
        /// <summary>Issuer candidates examined in one build per candidate path allowed (16 × 256 ≈ 4000).</summary>
        internal const int StepsPerPathCandidate = 16;

        private readonly ValidationRun _run;
        private readonly CertificatePool _intermediates;
        private readonly CertificatePool _anchors;
        private readonly DateTimeOffset _time;
        private readonly int _maxLength;
        private readonly long _stepBudget;
        private readonly Func<CertificateData, bool>? _anchorFilter;
        private int _steps;

        public PathBuilder(ValidationRun run, Func<CertificateData, bool>? anchorFilter)
        {
            _run = run;
            _intermediates = run.Intermediates;
            _anchors = run.Anchors;
            _time = run.Time;
            _maxLength = Math.Max(1, run.Options.Limits.MaximumPathLength);
            _stepBudget = (long)StepsPerPathCandidate * run.Options.Limits.MaximumPathCandidates;
            _anchorFilter = anchorFilter;
        }

        /// <summary>The longest path that ended without reaching an anchor (target first); null when every branch reached one.</summary>
        public List<CertificateData>? LongestPartial { get; private set; }

        /// <summary>True when some branch was cut at the length limit or the step budget ran out.</summary>
        public bool WasCut { get; private set; }

        /// <summary>Candidate paths, target first and the anchor separate; the target itself when it is an anchor (an empty path).</summary>
        public IEnumerable<(List<CertificateData> Path, CertificateData Anchor)> Build(CertificateData target)
        {
            var anchorSelf = _anchors.WithSubject(target.Subject).FirstOrDefault(a => a.Id == target.Id && AnchorAllowed(a));
            if (anchorSelf != null)
            {
                yield return (new List<CertificateData>(), anchorSelf);
            }

            var stack = new List<CertificateData> { target };
            foreach (var found in Extend(stack))
            {
                yield return found;
            }
        }

        private IEnumerable<(List<CertificateData> Path, CertificateData Anchor)> Extend(List<CertificateData> stack)
        {
            var current = stack[^1];
            bool extended = false;
            foreach (var anchor in Order(current, _anchors.WithSubject(current.Issuer)))
            {
                if (!AnchorAllowed(anchor) || anchor.Id == current.Id)
                {
                    continue;
                }

                extended = true;
                yield return (new List<CertificateData>(stack), anchor);
            }

            if (stack.Count >= _maxLength)
            {
                WasCut = true;
                _run.CutByLength |= _intermediates.WithSubject(current.Issuer).Any(i => !_anchors.Contains(i) && stack.TrueForAll(c => c.Id != i.Id));
                RecordPartial(stack, extended);
                yield break;
            }

            foreach (var issuer in Order(current, _intermediates.WithSubject(current.Issuer)))
            {
                _run.Token.ThrowIfCancellationRequested();
                if (++_steps > _stepBudget || --_run.StepsLeft < 0)
                {
                    WasCut = true;
                    _run.Exhausted = true;
                    break;
                }

                if (_anchors.Contains(issuer) || stack.Any(c => c.Id == issuer.Id || (c.KeyId == issuer.KeyId && c.Subject.Equals(issuer.Subject))))
                {
                    continue;
                }

                extended = true;
                stack.Add(issuer);
                foreach (var found in Extend(stack))
                {
                    yield return found;
                }

                stack.RemoveAt(stack.Count - 1);
            }

            RecordPartial(stack, extended);
        }

        private void RecordPartial(List<CertificateData> stack, bool extended)
        {
            if (!extended && (LongestPartial == null || stack.Count > LongestPartial.Count))
            {
                LongestPartial = new List<CertificateData>(stack);
            }
        }

        private bool AnchorAllowed(CertificateData anchor) => _anchorFilter == null || _anchorFilter(anchor);

        /// <summary>Issuers whose key identifier matches first, then those that give none, then the rest; valid ones before expired ones.</summary>
        private IEnumerable<CertificateData> Order(CertificateData subject, IReadOnlyList<CertificateData> candidates)
        {
            if (candidates.Count <= 1)
            {
                return candidates;
            }

            return candidates
                .OrderBy(c => KeyMatch(subject, c))
                .ThenBy(c => c.NotBefore <= _time && _time <= c.NotAfter ? 0 : 1)
                .ToList();
        }

        private static int KeyMatch(CertificateData subject, CertificateData issuer)
        {
            if (subject.AuthorityKeyIdentifier == null || issuer.SubjectKeyIdentifier == null)
            {
                return 1;
            }

            return subject.AuthorityKeyIdentifier.AsSpan().SequenceEqual(issuer.SubjectKeyIdentifier) ? 0 : 2;
        }
    }
}
