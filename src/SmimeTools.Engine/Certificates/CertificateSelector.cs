using System;
using System.Collections.Generic;
using System.Linq;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Chooses the one certificate to use for an address: among the certificates of the sources that carry the address,
    /// those valid now whose usage fits (and whose key is at hand, when one is needed); of these the newest notBefore.
    /// Two usable certificates with the same notBefore and different keys are <see cref="ErrorIds.AmbiguousCertificate"/>;
    /// none is <see cref="ErrorIds.NoMatchingCertificate"/>, naming the address, the sources and why each candidate was rejected.
    /// Sources are read once and kept for every later address.
    /// </summary>
    public sealed class CertificateSelector
    {
        private readonly IReadOnlyList<CertificateSource> _sources;
        private readonly List<string> _unavailable = new();
        private List<Candidate>? _pool;

        public CertificateSelector(IEnumerable<CertificateSource> sources, DateTime? at = null)
        {
            ArgumentNullException.ThrowIfNull(sources);
            _sources = sources.ToArray();
            At = at;
        }

        /// <summary>The time validity is judged at; null for now.</summary>
        public DateTime? At { get; }

        public IReadOnlyList<CertificateSource> Sources => _sources;

        /// <summary>"Cert:\CurrentUser\AddressBook and Cert:\CurrentUser\My": the sources, for messages.</summary>
        public string SearchedDescription => _sources.Count switch
        {
            0 => "no certificate source",
            1 => _sources[0].Description,
            _ => string.Join(", ", _sources.Take(_sources.Count - 1).Select(s => s.Description)) + " and " + _sources[^1].Description,
        };

        /// <summary>The sources that could not be read (a store the OS does not have), each with why; they were skipped.</summary>
        public IReadOnlyList<string> Unavailable => _unavailable;

        /// <summary>Chooses the certificate for <paramref name="address"/>; throws <see cref="SmimeException"/> when none or no single one fits.</summary>
        public CertificateChoice Select(string address, CertificateUsage usage, bool requirePrivateKey)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(address);
            var pool = Pool();
            var purpose = usage == CertificateUsage.Signing ? $"sign as {address}" : $"encrypt to {address}";
            var reasons = new List<string>();
            var carrying = pool.Where(c => CertificateQuery.HasEmail(c.Entry.Certificate, address)).ToList();
            reasons.Add($"Looking for a certificate to {purpose} in {SearchedDescription}: {carrying.Count} of {pool.Count} certificate(s) carry the address.");
            reasons.AddRange(_unavailable.Select(u => $"Skipped {u}."));
            if (carrying.Count == 0)
            {
                var skipped = _unavailable.Count == 0 ? string.Empty : $" Skipped: {string.Join("; ", _unavailable)}.";
                throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.ObjectNotFound,
                    $"No certificate for {address} was found: {SearchedDescription} {(_sources.Count == 1 ? "was" : "were")} searched ({pool.Count} certificate(s)) and none carries the address.{skipped}",
                    WhatToDo(usage), address);
            }

            var query = new CertificateQuery { Usage = usage, Valid = true, At = At, RequirePrivateKey = requirePrivateKey };
            var usable = new List<Candidate>();
            var rejections = new List<string>();
            foreach (var candidate in carrying)
            {
                var why = query.Mismatches(candidate.Entry);
                if (why.Count == 0)
                {
                    usable.Add(candidate);
                    continue;
                }

                var line = $"{candidate.Describe()}: {string.Join("; ", why)}";
                rejections.Add(line);
                reasons.Add("Rejected " + line + ".");
            }

            if (usable.Count == 0)
            {
                throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.ObjectNotFound,
                    $"No usable certificate to {purpose} was found in {SearchedDescription}. {carrying.Count} carr{(carrying.Count == 1 ? "ies" : "y")} the address but "
                    + $"{(carrying.Count == 1 ? "it was" : "all were")} rejected: {string.Join(" | ", rejections)}.",
                    WhatToDo(usage), address);
            }

            var ordered = usable
                .OrderByDescending(c => c.Entry.Certificate.NotBefore.ToUniversalTime())
                .ThenByDescending(c => c.Entry.Certificate.NotAfter.ToUniversalTime())
                .ThenByDescending(c => CertificateQuery.HasPrivateKey(c.Entry))
                .ThenBy(c => c.Entry.Certificate.Thumbprint, StringComparer.Ordinal)
                .ToList();
            var chosen = ordered[0];
            var newest = chosen.Entry.Certificate.NotBefore.ToUniversalTime();
            var rivals = ordered.Skip(1)
                .Where(c => c.Entry.Certificate.NotBefore.ToUniversalTime() == newest && !SameKey(c, chosen))
                .ToList();
            if (rivals.Count > 0)
            {
                var all = new[] { chosen }.Concat(rivals).ToList();
                throw new SmimeException(ErrorIds.AmbiguousCertificate, SmimeErrorKind.InvalidArgument,
                    $"{all.Count} certificates with different keys fit equally to {purpose} (all valid since {CertificateQuery.Format(newest)}): "
                    + string.Join(" | ", all.Select(c => c.Describe())) + ".",
                    $"Choose one by thumbprint, for example (Get-SmimeCertificate {(CertificateStorePath.TryParse(chosen.Sources[0], out _) ? "-CertStoreLocation" : "-Path")} '{chosen.Sources[0]}' -Thumbprint {chosen.Entry.Certificate.Thumbprint}), or remove the one you no longer use.",
                    address);
            }

            var certificate = chosen.Entry.Certificate;
            var key = requirePrivateKey ? $", its private key is in {KeyPlace(chosen.Entry)}" : string.Empty;
            var among = usable.Count == 1
                ? "the only usable one"
                : $"the newest of {usable.Count} usable ones (notBefore {CertificateQuery.Format(newest)})";
            reasons.Add($"Chose {chosen.Describe()} to {purpose}: valid until {CertificateQuery.Format(certificate.NotAfter.ToUniversalTime())}, "
                + $"its usage allows {(usage == CertificateUsage.Signing ? "signing" : "encryption")}{key}; {among}.");
            return new CertificateChoice(address, usage, chosen.Entry, reasons);
        }

        private List<Candidate> Pool()
        {
            if (_pool != null)
            {
                return _pool;
            }

            // The same certificate in two stores is one candidate; the copy with its key wins.
            var byThumbprint = new Dictionary<string, Candidate>(StringComparer.OrdinalIgnoreCase);
            var order = new List<Candidate>();
            SmimeException? firstFailure = null;
            foreach (var source in _sources)
            {
                IEnumerable<CertificateEntry> entries;
                try
                {
                    entries = source.Read().ToList();
                }
                catch (SmimeException e) when (e.ErrorId == ErrorIds.StoreUnavailable)
                {
                    // macOS has no AddressBook store, for one; the other sources may still have the certificate.
                    firstFailure ??= e;
                    _unavailable.Add($"{source.Description} ({e.Message})");
                    continue;
                }

                foreach (var entry in entries)
                {
                    if (byThumbprint.TryGetValue(entry.Certificate.Thumbprint, out var known))
                    {
                        known.Sources.Add(source.Description);
                        if (!CertificateQuery.HasPrivateKey(known.Entry) && CertificateQuery.HasPrivateKey(entry))
                        {
                            known.Entry = entry;
                        }

                        continue;
                    }

                    var candidate = new Candidate(entry, source.Description);
                    byThumbprint.Add(entry.Certificate.Thumbprint, candidate);
                    order.Add(candidate);
                }
            }

            if (firstFailure != null && _unavailable.Count == _sources.Count)
            {
                throw firstFailure;
            }

            _pool = order;
            return order;
        }

        private static bool SameKey(Candidate a, Candidate b) =>
            a.Entry.Certificate.PublicKey.Oid.Value == b.Entry.Certificate.PublicKey.Oid.Value
            && a.Entry.Certificate.GetPublicKey().AsSpan().SequenceEqual(b.Entry.Certificate.GetPublicKey());

        private static string KeyPlace(CertificateEntry entry) => entry.KeyLocation switch
        {
            KeyLocation.Store => "the store",
            KeyLocation.Token => "a token",
            _ => "a file",
        };

        private string WhatToDo(CertificateUsage usage)
        {
            var into = _sources.Count == 1 ? SearchedDescription : "one of " + SearchedDescription.Replace(" and ", " or ", StringComparison.Ordinal);
            return usage == CertificateUsage.Signing
                ? $"Import your identity (its PKCS#12 file, with Import-SmimeIdentity) into {into}, name other stores with -CertStoreLocation, or pass the identity itself, for example -SignWith (Get-SmimeCertificate ./me.p12 -Password $password)."
                : $"Add the recipient's certificate to {into}, name other stores with -CertStoreLocation, or pass the certificate itself, for example -To ./bob.crt.";
        }

        private sealed class Candidate
        {
            public Candidate(CertificateEntry entry, string source)
            {
                Entry = entry;
                Sources = new List<string> { source };
            }

            public CertificateEntry Entry { get; set; }

            public List<string> Sources { get; }

            public string Describe() =>
                $"{Entry.Certificate.Thumbprint} ({Entry.Certificate.Subject}, in {string.Join(" and ", Sources)})";
        }
    }
}
