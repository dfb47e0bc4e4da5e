using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// What is wanted of a certificate: an address, a thumbprint, a use, validity at a time, a private key. The same query
    /// applies to every source (files, stores, the pipeline, and later directories and tokens), and says for each
    /// certificate it rejects why, so a failed search can explain itself.
    /// </summary>
    public sealed class CertificateQuery
    {
        private IReadOnlyList<string> _emails = Array.Empty<string>();
        private IReadOnlyList<string> _thumbprints = Array.Empty<string>();

        /// <summary>Addresses, any of which the certificate must carry (SAN rfc822Name, SmtpUTF8Mailbox or E=); empty for any.</summary>
        public IReadOnlyList<string> Emails
        {
            get => _emails;
            init => _emails = (value ?? Array.Empty<string>()).Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).ToArray();
        }

        /// <summary>SHA-1 thumbprints, any of which the certificate must have; case, spaces and colons do not matter.</summary>
        public IReadOnlyList<string> Thumbprints
        {
            get => _thumbprints;
            init => _thumbprints = (value ?? Array.Empty<string>()).Where(t => !string.IsNullOrWhiteSpace(t)).Select(NormalizeThumbprint).ToArray();
        }

        /// <summary>The use the certificate must allow, or null for any.</summary>
        public CertificateUsage? Usage { get; init; }

        /// <summary>Only certificates valid at <see cref="At"/> (or now).</summary>
        public bool Valid { get; init; }

        /// <summary>The time validity is checked at; null for now. Giving it implies <see cref="Valid"/>.</summary>
        public DateTime? At { get; init; }

        /// <summary>Only certificates whose private key is at hand (a file key read with it, or a key in a store or token).</summary>
        public bool RequirePrivateKey { get; init; }

        /// <summary>True when the query lets every certificate through.</summary>
        public bool IsEmpty => Emails.Count == 0 && Thumbprints.Count == 0 && Usage == null && !Valid && At == null && !RequirePrivateKey;

        /// <summary>The moment validity is checked at (UTC).</summary>
        public DateTime ValidationTimeUtc => (At ?? DateTime.UtcNow).ToUniversalTime();

        public bool Matches(CertificateEntry entry) => Mismatches(entry).Count == 0;

        public IEnumerable<CertificateEntry> Filter(IEnumerable<CertificateEntry> entries)
        {
            ArgumentNullException.ThrowIfNull(entries);
            return IsEmpty ? entries : entries.Where(Matches);
        }

        /// <summary>Why the query rejects the certificate, as phrases ("expired on 2024-05-01"); empty when it matches.</summary>
        public IReadOnlyList<string> Mismatches(CertificateEntry entry)
        {
            ArgumentNullException.ThrowIfNull(entry);
            var certificate = entry.Certificate;
            var reasons = new List<string>();
            if (Thumbprints.Count > 0 && !Thumbprints.Contains(certificate.Thumbprint, StringComparer.OrdinalIgnoreCase))
            {
                reasons.Add("its thumbprint is not one asked for");
            }

            if (Emails.Count > 0 && !Emails.Any(e => HasEmail(certificate, e)))
            {
                var carried = CertificateFacts.GetEmails(certificate);
                reasons.Add(carried.Length == 0
                    ? "it carries no e-mail address"
                    : $"its address{(carried.Length == 1 ? string.Empty : "es")} ({string.Join(", ", carried)}) {(carried.Length == 1 ? "is" : "are")} not {string.Join(" or ", Emails)}");
            }

            if (Valid || At != null)
            {
                var validity = ValidityProblem(certificate, ValidationTimeUtc);
                if (validity != null)
                {
                    reasons.Add(validity);
                }
            }

            if (Usage is { } usage)
            {
                var problem = CertificateUsageRules.Explain(certificate, usage);
                if (problem != null)
                {
                    reasons.Add(problem);
                }
            }

            if (RequirePrivateKey && !HasPrivateKey(entry))
            {
                reasons.Add("its private key is not at hand");
            }

            return reasons;
        }

        /// <summary>True when the certificate carries the address (IDN- and case-insensitive; see <see cref="EmailAddressComparer"/>).</summary>
        public static bool HasEmail(X509Certificate2 certificate, string address)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            ArgumentNullException.ThrowIfNull(address);
            return CertificateFacts.GetEmails(certificate).Contains(address, EmailAddressComparer.Instance);
        }

        /// <summary>True when a key comes with the certificate: read from its file, or held by a store or token.</summary>
        public static bool HasPrivateKey(CertificateEntry entry)
        {
            ArgumentNullException.ThrowIfNull(entry);
            return entry.Key != null;
        }

        /// <summary>Null when the certificate is valid at the time; otherwise "expired on ..." or "not valid before ...".</summary>
        public static string? ValidityProblem(X509Certificate2 certificate, DateTime atUtc)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            var at = atUtc.ToUniversalTime();
            var notBefore = certificate.NotBefore.ToUniversalTime();
            var notAfter = certificate.NotAfter.ToUniversalTime();
            if (at < notBefore)
            {
                return $"it is not valid before {Format(notBefore)}";
            }

            if (at > notAfter)
            {
                return $"it expired on {Format(notAfter)}";
            }

            return null;
        }

        /// <summary>"2025-06-01 12:00 UTC": how times appear in messages.</summary>
        public static string Format(DateTime utc) =>
            utc.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

        /// <summary>Upper-case hex without separators, as <see cref="X509Certificate2.Thumbprint"/> has it.</summary>
        public static string NormalizeThumbprint(string thumbprint)
        {
            ArgumentNullException.ThrowIfNull(thumbprint);
            return new string(thumbprint.Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant();
        }

        /// <summary>"e-mail bob@example.com, usage Encryption, valid now": for messages and -Verbose.</summary>
        public override string ToString()
        {
            var parts = new List<string>();
            if (Emails.Count > 0)
            {
                parts.Add("e-mail " + string.Join(" or ", Emails));
            }

            if (Thumbprints.Count > 0)
            {
                parts.Add("thumbprint " + string.Join(" or ", Thumbprints));
            }

            if (Usage != null)
            {
                parts.Add("usage " + Usage);
            }

            if (Valid || At != null)
            {
                parts.Add(At == null ? "valid now" : "valid at " + Format(At.Value.ToUniversalTime()));
            }

            if (RequirePrivateKey)
            {
                parts.Add("with its private key");
            }

            return parts.Count == 0 ? "any certificate" : string.Join(", ", parts);
        }
    }
}
