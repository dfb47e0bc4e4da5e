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
        public DecryptionKeyNotFoundException(IReadOnlyList<EnvelopedRecipient> recipients, IReadOnlyList<X509Certificate2> triedCertificates)
            : base(ErrorIds.NoDecryptionKey, SmimeErrorKind.ObjectNotFound, Describe(recipients, triedCertificates),
                "Give the private key of one of the recipients (its PKCS#12 file, store certificate or token).")
        {
            Recipients = recipients;
            TriedCertificates = triedCertificates;
        }

        /// <summary>Every recipient the message is encrypted to.</summary>
        public IReadOnlyList<EnvelopedRecipient> Recipients { get; }

        /// <summary>The certificates of the keys that were tried.</summary>
        public IReadOnlyList<X509Certificate2> TriedCertificates { get; }

        private static string Describe(IReadOnlyList<EnvelopedRecipient> recipients, IReadOnlyList<X509Certificate2> tried)
        {
            string to = recipients.Count == 0
                ? "It names no recipients at all."
                : $"It is encrypted to {recipients.Count} recipient{(recipients.Count == 1 ? string.Empty : "s")}: "
                    + string.Join("; ", recipients.Select(r => r.ToString())) + ".";
            string keys = tried.Count == 0
                ? "No keys were given."
                : "Keys tried: " + string.Join("; ", tried.Select(c => $"'{c.Subject}' (issuer '{c.Issuer}', serial {c.SerialNumber})")) + ".";
            return $"None of the given keys can open this message. {to} {keys}";
        }
    }
}
