using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// None of the given keys belongs to a recipient of the message (<see cref="ErrorIds.NoDecryptionKey"/>). Carries the
    /// recipients as data, so a caller can look for the right key.
    /// </summary>
    public sealed class DecryptionKeyNotFoundException : SmimeException
    {
        /// <param name="recipients">Every recipient the message is encrypted to.</param>
        /// <param name="triedCertificates">The certificates of the keys that were tried.</param>
        /// <param name="addresses">Where known, the address of each recipient (same order; null where unknown).</param>
        public DecryptionKeyNotFoundException(IReadOnlyList<EnvelopedRecipient> recipients, IReadOnlyList<X509Certificate2> triedCertificates,
            IReadOnlyList<string?>? addresses = null)
            : base(ErrorIds.NoDecryptionKey, SmimeErrorKind.ObjectNotFound, Describe(recipients, triedCertificates, addresses),
                "Give the private key of one of the recipients (its PKCS#12 file, store certificate or token).")
        {
            Recipients = recipients;
            TriedCertificates = triedCertificates;
            Addresses = addresses ?? recipients.Select(_ => (string?)null).ToArray();
        }

        /// <summary>Every recipient the message is encrypted to.</summary>
        public IReadOnlyList<EnvelopedRecipient> Recipients { get; }

        /// <summary>The certificates of the keys that were tried.</summary>
        public IReadOnlyList<X509Certificate2> TriedCertificates { get; }

        /// <summary>The address of each recipient where a certificate the user holds says it; null where unknown.</summary>
        public IReadOnlyList<string?> Addresses { get; }

        /// <summary>The same failure, with each recipient's address as <paramref name="resolve"/> finds it.</summary>
        public DecryptionKeyNotFoundException WithAddresses(Func<EnvelopedRecipient, string?> resolve)
        {
            ArgumentNullException.ThrowIfNull(resolve);
            var addresses = Recipients.Select(r =>
            {
                try
                {
                    return resolve(r);
                }
                catch (SmimeException)
                {
                    // The addresses are a courtesy; a store that cannot be read leaves them unknown.
                    return null;
                }
            }).ToArray();
            return new DecryptionKeyNotFoundException(Recipients, TriedCertificates, addresses);
        }

        private static string Describe(IReadOnlyList<EnvelopedRecipient> recipients, IReadOnlyList<X509Certificate2> tried, IReadOnlyList<string?>? addresses)
        {
            string to = recipients.Count == 0
                ? "It names no recipients at all."
                : $"It is encrypted to {recipients.Count} recipient{(recipients.Count == 1 ? string.Empty : "s")}: "
                    + string.Join("; ", recipients.Select((r, i) => addresses?.ElementAtOrDefault(i) is { } address ? $"{address} ({r})" : r.ToString())) + ".";
            string keys = tried.Count == 0
                ? "No keys were given."
                : "Keys tried: " + string.Join("; ", tried.Select(c => $"'{c.Subject}' (issuer '{c.Issuer}', serial {c.SerialNumber})")) + ".";
            return $"None of the given keys can open this message. {to} {keys}";
        }
    }
}
