using System;
using System.Collections.Generic;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Certificate revocation by CRLs as RFC 5280 §6.3 describes it — distribution points and CRL scope
    /// (issuingDistributionPoint), indirect CRLs and cRLIssuer, reason partitions (onlySomeReasons), delta CRLs, and the
    /// validation of the CRL issuer's own path to the same trust anchor — then, online, OCSP and fetched CRLs.
    /// </summary>
    internal sealed class RevocationChecker
    {
        private const int AllReasons = ReasonFlags.KeyCompromise | ReasonFlags.CACompromise | ReasonFlags.AffiliationChanged
            | ReasonFlags.Superseded | ReasonFlags.CessationOfOperation | ReasonFlags.CertificateHold | ReasonFlags.PrivilegeWithdrawn
            | ReasonFlags.AACompromise;

        /// <summary>Most certificates of a CRL issuer tried as the CRL's signer.</summary>
        private const int MaxSignerCandidates = 8;

        private readonly ValidationRun _run;
        private readonly Dictionary<string, RevocationOutcome> _cache = new(StringComparer.Ordinal);
        private readonly Dictionary<string, bool> _signers = new(StringComparer.Ordinal);

        public RevocationChecker(ValidationRun run)
        {
            _run = run;
        }

        /// <summary>Establishes the status of <paramref name="certificate"/> and records it (and any problem) on <paramref name="outcome"/>.</summary>
        public void Check(CertificateData certificate, CertificateData issuer, KeyInfo? issuerKey, CertificateData anchor,
            PathOutcome outcome, int chainIndex)
        {
            var options = _run.Options;
            if (options.RevocationMode == RevocationMode.None)
            {
                outcome.RevocationChecks.Add(new RevocationCheck { Certificate = certificate.Certificate, Status = RevocationStatus.NotChecked });
                return;
            }

            string key = certificate.Id + "|" + issuer.Id + "|" + anchor.Id;
            if (!_cache.TryGetValue(key, out var result))
            {
                int provisional = _run.ProvisionalAcceptances;
                result = Determine(certificate, issuer, issuerKey, anchor);
                if (_run.ProvisionalAcceptances == provisional)
                {
                    _cache[key] = result;
                }
            }

            outcome.RevocationChecks.Add(new RevocationCheck
            {
                Certificate = certificate.Certificate,
                Status = result.Status,
                Method = result.Method,
                Source = result.Source,
                FetchedOnline = result.FetchedOnline,
                RevocationDate = result.Date,
                RevocationReason = result.Reason,
                Notes = result.Notes,
            });
            outcome.Problems.AddRange(result.Warnings);
            string role = chainIndex == 0 ? "certificate" : "CA certificate";
            if (result.Status == RevocationStatus.Revoked)
            {
                string reason = result.Reason is RevocationReason r && r != RevocationReason.Unspecified ? $" (reason: {ReasonText(r)})" : string.Empty;
                outcome.Problems.Add(new TrustProblem(TrustProblemCode.Revoked, TrustProblemSeverity.Error,
                    $"The {role} {certificate.DisplayName} was revoked on {TrustText.When(result.Date)}{reason}, according to {result.Source}.",
                    certificate.Certificate, chainIndex)
                {
                    RevocationDate = result.Date,
                    RevocationReason = result.Reason ?? RevocationReason.Unspecified,
                });
            }
            else if (result.Status == RevocationStatus.Unknown)
            {
                string why = result.Notes.Count > 0 ? " " + string.Join(" ", result.Notes) : string.Empty;
                outcome.Problems.Add(new TrustProblem(TrustProblemCode.RevocationUnknown,
                    options.AllowUnknownRevocation ? TrustProblemSeverity.Warning : TrustProblemSeverity.Error,
                    $"Whether the {role} {certificate.DisplayName} is revoked could not be established.{why} {TrustText.RevocationAdvice(options.RevocationMode)}",
                    certificate.Certificate, chainIndex));
            }
        }

        private RevocationOutcome Determine(CertificateData certificate, CertificateData issuer, KeyInfo? issuerKey, CertificateData anchor)
        {
            var notes = new List<string>();
            var warnings = new List<TrustProblem>();
            var result = FromCrls(certificate, issuer, issuerKey, anchor, notes, warnings);
            if (result != null)
            {
                return result;
            }

            if (_run.Options.RevocationMode == RevocationMode.Online)
            {
                result = OcspQuery.Ask(_run, certificate, issuer, issuerKey, notes, warnings);
                if (result != null)
                {
                    return result;
                }

                if (FetchCrls(certificate, notes))
                {
                    result = FromCrls(certificate, issuer, issuerKey, anchor, notes, warnings);
                    if (result != null)
                    {
                        return result;
                    }
                }
            }
            else if (_run.Options.RevocationMode == RevocationMode.Offline && (certificate.CrlDistributionPoints != null || certificate.OcspResponders.Count > 0))
            {
                notes.Add("Online revocation checking was not asked for.");
            }

            return new RevocationOutcome { Status = RevocationStatus.Unknown, Notes = notes, Warnings = warnings };
        }

        /// <summary>RFC 5280 §6.3.3; null when the CRLs at hand do not settle the status.</summary>
        private RevocationOutcome? FromCrls(CertificateData certificate, CertificateData issuer, KeyInfo? issuerKey,
            CertificateData anchor, List<string> notes, List<TrustProblem> warnings)
        {
            var points = new List<DistributionPoint?>();
            if (certificate.CrlDistributionPoints != null)
            {
                points.AddRange(certificate.CrlDistributionPoints);
            }

            // Then any CRL of the certificate's issuer that no distribution point names.
            points.Add(null);

            int reasonsMask = 0;
            CrlEntryData? revoked = null;
            CrlData? deciding = null;
            bool anyCandidate = false;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var point in points)
            {
                foreach (var crl in CandidateCrls(certificate, point))
                {
                    if (revoked != null || reasonsMask == AllReasons)
                    {
                        break;
                    }

                    _run.Token.ThrowIfCancellationRequested();
                    if (crl.IsDelta || !InScope(crl, certificate, point))
                    {
                        continue;
                    }

                    anyCandidate = true;
                    bool first = seen.Add(crl.Id);
                    if (crl.NextUpdate is DateTimeOffset next && next < _run.Time)
                    {
                        if (first)
                        {
                            notes.Add($"The CRL found ({crl.Description}) is out of date: its next update was due {TrustText.When(next)}.");
                        }

                        continue;
                    }

                    crl.EnsureEntriesRead();
                    if (crl.Unusable != null)
                    {
                        if (first)
                        {
                            notes.Add($"The CRL found ({crl.Description}) cannot be used: {crl.Unusable}.");
                            warnings.Add(new TrustProblem(crl.UnusableForCriticalExtension ? TrustProblemCode.UnknownCriticalExtension : TrustProblemCode.MalformedCertificate,
                                TrustProblemSeverity.Warning, $"{Capitalize(crl.Description)} was not used: {crl.Unusable}.", null, -1));
                        }

                        continue;
                    }

                    int interim = Reasons(point?.Reasons) & Reasons(crl.IssuingDistributionPoint?.OnlySomeReasons) & AllReasons;
                    if ((interim & ~reasonsMask) == 0)
                    {
                        continue;
                    }

                    var signerKey = ResolveSigner(crl, certificate, issuer, issuerKey, anchor, first ? notes : null, first ? warnings : null);
                    if (signerKey == null)
                    {
                        continue;
                    }

                    if (first && AlgorithmStrength.WeakDigest(crl.Bc.SignatureAlgorithm, out _) is string weak)
                    {
                        warnings.Add(new TrustProblem(TrustProblemCode.WeakAlgorithm, TrustProblemSeverity.Warning,
                            $"{Capitalize(crl.Description)} is signed with {weak}, which is weak.", null, -1));
                    }

                    var delta = FindDelta(crl, signerKey);
                    CrlEntryData? entry = null;
                    CrlData? source = crl;
                    if (delta != null)
                    {
                        entry = delta.Find(certificate.Bc.SerialNumber, certificate.Issuer).FirstOrDefault();
                        source = delta;
                    }

                    if (entry == null)
                    {
                        entry = crl.Find(certificate.Bc.SerialNumber, certificate.Issuer).FirstOrDefault();
                        source = crl;
                    }

                    reasonsMask |= interim;
                    deciding ??= delta ?? crl;
                    if (entry != null && entry.Reason != RevocationReason.RemoveFromCrl)
                    {
                        revoked = entry;
                        deciding = source;
                    }
                }
            }

            if (revoked != null && deciding != null)
            {
                return new RevocationOutcome
                {
                    Status = RevocationStatus.Revoked,
                    Method = RevocationMethod.Crl,
                    Source = deciding.Description,
                    FetchedOnline = deciding.FetchedOnline,
                    Date = revoked.RevocationDate,
                    Reason = revoked.Reason,
                    Notes = notes,
                    Warnings = warnings,
                };
            }

            if (reasonsMask == AllReasons && deciding != null)
            {
                return new RevocationOutcome
                {
                    Status = RevocationStatus.Good,
                    Method = RevocationMethod.Crl,
                    Source = deciding.Description,
                    FetchedOnline = deciding.FetchedOnline,
                    Notes = notes,
                    Warnings = warnings,
                };
            }

            if (reasonsMask != 0)
            {
                notes.Add("The CRLs found cover only some revocation reasons.");
            }
            else if (!anyCandidate)
            {
                notes.Add($"No CRL of '{certificate.Issuer}' that covers it was found.");
            }

            return null;
        }

        private IEnumerable<CrlData> CandidateCrls(CertificateData certificate, DistributionPoint? point)
        {
            if (point?.CrlIssuer == null)
            {
                return _run.CrlsOf(certificate.Issuer);
            }

            return DirectoryNames(point.CrlIssuer).SelectMany(name => _run.CrlsOf(name));
        }

        /// <summary>RFC 5280 §6.3.3 (b): whether the CRL is the right one for this certificate and distribution point.</summary>
        private static bool InScope(CrlData crl, CertificateData certificate, DistributionPoint? point)
        {
            if (point?.CrlIssuer != null)
            {
                if (!crl.IsIndirect || !DirectoryNames(point.CrlIssuer).Any(name => name.Equals(crl.Issuer)))
                {
                    return false;
                }
            }
            else if (!crl.Issuer.Equals(certificate.Issuer))
            {
                return false;
            }

            var idp = crl.IssuingDistributionPoint;
            if (idp == null)
            {
                return true;
            }

            if (idp.DistributionPoint != null)
            {
                var idpNames = FullNames(idp.DistributionPoint, crl.Issuer);
                if (point?.DistributionPointName != null)
                {
                    var pointBase = point.CrlIssuer != null ? DirectoryNames(point.CrlIssuer).FirstOrDefault() ?? certificate.Issuer : certificate.Issuer;
                    if (!Intersect(idpNames, FullNames(point.DistributionPointName, pointBase)))
                    {
                        return false;
                    }
                }
                else if (point?.CrlIssuer != null)
                {
                    if (!Intersect(idpNames, point.CrlIssuer.GetNames().Select(CanonicalName)))
                    {
                        return false;
                    }
                }
                else
                {
                    // The CRL covers one partition of its issuer's certificates, and the certificate does not say it is in it.
                    return false;
                }
            }

            if (idp.OnlyContainsUserCerts && certificate.IsCa == true)
            {
                return false;
            }

            if (idp.OnlyContainsCACerts && certificate.IsCa != true)
            {
                return false;
            }

            return !idp.OnlyContainsAttributeCerts;
        }

        /// <summary>
        /// RFC 5280 §6.3.3 (f), (g): the key that signed the CRL, from a certificate whose path to the same anchor is valid
        /// and whose key usage allows cRLSign; null (with a note) when there is none.
        /// </summary>
        private KeyInfo? ResolveSigner(CrlData crl, CertificateData certificate, CertificateData issuer, KeyInfo? issuerKey,
            CertificateData anchor, List<string>? notes, List<TrustProblem>? warnings)
        {
            // The usual case: the certificate's issuer signed it, whose path is the one being validated.
            if (issuerKey != null && crl.Issuer.Equals(issuer.Subject) && crl.VerifiesWith(issuerKey))
            {
                if (!issuer.HasKeyUsage(KeyUsage.CrlSign))
                {
                    notes?.Add($"Its issuer {issuer.DisplayName} signed {crl.Description}, but its key usage does not include cRLSign.");
                    warnings?.Add(new TrustProblem(TrustProblemCode.CaKeyUsageNotPermitted, TrustProblemSeverity.Warning,
                        $"{Capitalize(crl.Description)} was not used: its signer {issuer.DisplayName} may not sign CRLs (no cRLSign in its key usage).", issuer.Certificate, -1));
                    return null;
                }

                return issuerKey;
            }

            var candidates = _run.Anchors.WithSubject(crl.Issuer).Concat(_run.Intermediates.WithSubject(crl.Issuer))
                .GroupBy(c => c.Id).Select(g => g.First())
                .OrderBy(c => crl.AuthorityKeyIdentifier != null && c.SubjectKeyIdentifier != null
                    && crl.AuthorityKeyIdentifier.AsSpan().SequenceEqual(c.SubjectKeyIdentifier) ? 0 : 1)
                .Take(MaxSignerCandidates);
            bool signatureMatched = false;
            foreach (var candidate in candidates)
            {
                var key = candidate.Id == issuer.Id ? issuerKey : candidate.Key;
                if (key == null || key.IsDsaWithoutParameters || !crl.VerifiesWith(key))
                {
                    continue;
                }

                signatureMatched = true;
                if (!candidate.HasKeyUsage(KeyUsage.CrlSign))
                {
                    notes?.Add($"{candidate.DisplayName} signed {crl.Description}, but its key usage does not include cRLSign.");
                    warnings?.Add(new TrustProblem(TrustProblemCode.CaKeyUsageNotPermitted, TrustProblemSeverity.Warning,
                        $"{Capitalize(crl.Description)} was not used: its signer {candidate.DisplayName} may not sign CRLs (no cRLSign in its key usage).", candidate.Certificate, -1));
                    continue;
                }

                if (candidate.Id == anchor.Id || IsValidSigner(candidate, anchor, notes))
                {
                    return key;
                }
            }

            if (!signatureMatched)
            {
                notes?.Add($"The signature on {crl.Description} does not verify with the key of any certificate of its issuer.");
                if (crl.Issuer.Equals(certificate.Issuer) || _run.Anchors.WithSubject(crl.Issuer).Count + _run.Intermediates.WithSubject(crl.Issuer).Count > 0)
                {
                    warnings?.Add(new TrustProblem(TrustProblemCode.InvalidSignature, TrustProblemSeverity.Warning,
                        $"The signature on {crl.Description} does not verify with the key of any certificate of its issuer, so it was not used.", null, -1));
                }
            }

            return null;
        }

        /// <summary>Whether the CRL issuer's own path to <paramref name="anchor"/> is valid (revocation included).</summary>
        private bool IsValidSigner(CertificateData signer, CertificateData anchor, List<string>? notes)
        {
            string key = signer.Id + "|" + anchor.Id;
            if (_signers.TryGetValue(key, out bool known))
            {
                return known;
            }

            if (_run.SignersInProgress.Contains(signer.Id))
            {
                // Its path is being validated further up (a CRL issuer covered by its own CRL): that validation decides.
                _run.ProvisionalAcceptances++;
                return true;
            }

            if (_run.Nesting >= ValidationRun.MaxNesting)
            {
                notes?.Add($"The path of the CRL issuer {signer.DisplayName} was not validated: CRL issuers depend on each other too deeply.");
                return false;
            }

            int provisional = _run.ProvisionalAcceptances;
            _run.SignersInProgress.Add(signer.Id);
            PathOutcome? outcome;
            try
            {
                outcome = _run.ValidateNested(signer, anchor);
            }
            finally
            {
                _run.SignersInProgress.Remove(signer.Id);
            }

            bool valid = outcome != null && outcome.IsValid;
            if (!valid)
            {
                string why = outcome == null
                    ? "no path to the trust anchor was found"
                    : string.Join(" ", outcome.Problems.Where(p => p.IsError).Select(p => p.Message).Distinct().Take(3));
                notes?.Add($"The CRL issuer {signer.DisplayName} cannot be trusted: {why}");
            }

            if (_run.ProvisionalAcceptances == provisional)
            {
                _signers[key] = valid;
            }

            return valid;
        }

        /// <summary>The newest usable delta CRL for <paramref name="complete"/> (RFC 5280 §5.2.4), signed by the same key; null when none.</summary>
        private CrlData? FindDelta(CrlData complete, KeyInfo key)
        {
            if (complete.Number == null)
            {
                return null;
            }

            CrlData? best = null;
            foreach (var delta in _run.CrlsOf(complete.Issuer))
            {
                if (!delta.IsDelta || delta.Number == null || !SameScope(complete, delta)
                    || delta.DeltaBase!.CompareTo(complete.Number) > 0 || complete.Number.CompareTo(delta.Number) >= 0
                    || (delta.NextUpdate is DateTimeOffset next && next < _run.Time))
                {
                    continue;
                }

                delta.EnsureEntriesRead();
                if (delta.Unusable != null || !delta.VerifiesWith(key))
                {
                    continue;
                }

                if (best == null || delta.Number.CompareTo(best.Number) > 0)
                {
                    best = delta;
                }
            }

            return best;
        }

        /// <summary>Downloads the CRLs the certificate's distribution points name (http and https; other schemes go to the fetcher, which may decline).</summary>
        private bool FetchCrls(CertificateData certificate, List<string> notes)
        {
            bool added = false;
            var locations = (certificate.CrlDistributionPoints ?? Array.Empty<DistributionPoint>())
                .Concat(certificate.FreshestCrl ?? Array.Empty<DistributionPoint>())
                .Where(p => p.DistributionPointName?.Type == DistributionPointName.FullName)
                .SelectMany(p => GeneralNames.GetInstance(p.DistributionPointName.Name).GetNames())
                .Where(n => n.TagNo == GeneralName.UniformResourceIdentifier)
                .Select(n => DerIA5String.GetInstance(n.Name).GetString())
                .Distinct(StringComparer.Ordinal);
            foreach (string text in locations)
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || !_run.FetchedLocations.Add(uri.AbsoluteUri))
                {
                    continue;
                }

                if (!_run.TryTakeOnlineRequest())
                {
                    notes.Add($"The CRL at {uri} was not fetched: the limit of {_run.Options.MaxOnlineRequests} network requests was reached.");
                    break;
                }

                try
                {
                    byte[]? data = _run.Online(token => _run.Fetcher.FetchCrl(uri, _run.Options.Limits.MaximumCrlSize, token));
                    if (data == null)
                    {
                        notes.Add($"The CRL at {uri} was not fetched: {uri.Scheme} is not supported here.");
                        continue;
                    }

                    _run.AddCrls(data, uri.AbsoluteUri, online: true);
                    added = true;
                }
                catch (Exception e) when (e is not OperationCanceledException and not SmimeException { Kind: SmimeErrorKind.LimitsExceeded })
                {
                    notes.Add($"The CRL at {uri} could not be fetched: {e.Message}");
                }
            }

            return added;
        }

        private static bool SameScope(CrlData a, CrlData b) =>
            a.ScopeDer == null ? b.ScopeDer == null : b.ScopeDer != null && a.ScopeDer.AsSpan().SequenceEqual(b.ScopeDer);

        private static int Reasons(ReasonFlags? flags) => flags == null ? AllReasons : flags.IntValue;

        private static IEnumerable<DistinguishedName> DirectoryNames(GeneralNames names) =>
            names.GetNames().Where(n => n.TagNo == GeneralName.DirectoryName).Select(n => DistinguishedName.From(n.Name));

        /// <summary>The full names of a distribution point; a name relative to the CRL issuer is appended to <paramref name="issuer"/>.</summary>
        private static IEnumerable<string> FullNames(DistributionPointName name, DistinguishedName issuer)
        {
            if (name.Type == DistributionPointName.FullName)
            {
                return GeneralNames.GetInstance(name.Name).GetNames().Select(CanonicalName).ToList();
            }

            var relative = issuer.Append(Asn1Set.GetInstance(name.Name));
            return new[] { "4|" + relative.Key };
        }

        private static bool Intersect(IEnumerable<string> a, IEnumerable<string> b) => a.Intersect(b, StringComparer.Ordinal).Any();

        private static string CanonicalName(GeneralName name) => name.TagNo switch
        {
            GeneralName.DirectoryName => "4|" + DistinguishedName.From(name.Name).Key,
            GeneralName.Rfc822Name or GeneralName.DnsName or GeneralName.UniformResourceIdentifier =>
                name.TagNo + "|" + ((IAsn1String)name.Name.ToAsn1Object()).GetString().ToLowerInvariant(),
            _ => name.TagNo + "|" + Convert.ToHexString(name.Name.ToAsn1Object().GetEncoded(Asn1Encodable.Der)),
        };

        internal static string ReasonText(RevocationReason reason) => reason switch
        {
            RevocationReason.KeyCompromise => "key compromise",
            RevocationReason.CaCompromise => "CA compromise",
            RevocationReason.AffiliationChanged => "affiliation changed",
            RevocationReason.Superseded => "superseded",
            RevocationReason.CessationOfOperation => "cessation of operation",
            RevocationReason.CertificateHold => "certificate on hold",
            RevocationReason.RemoveFromCrl => "removed from CRL",
            RevocationReason.PrivilegeWithdrawn => "privilege withdrawn",
            RevocationReason.AaCompromise => "attribute authority compromise",
            _ => "unspecified",
        };

        private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
    }
}
