using System;
using System.Collections.Generic;
using System.Globalization;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Compares e-mail addresses as DESIGN §4 asks: case-insensitive on the whole address (RFC 5321 lets the local part
    /// be case-sensitive, but no real mail system is, and clients that compare exactly fail on Bob@ vs bob@), and
    /// IDN-aware, so <c>jürgen@bücher.example</c> and <c>jürgen@xn--bcher-kva.example</c> are the same mailbox.
    /// </summary>
    public sealed class EmailAddressComparer : IEqualityComparer<string>
    {
        private static readonly IdnMapping Idn = new();

        private EmailAddressComparer()
        {
        }

        public static EmailAddressComparer Instance { get; } = new();

        /// <summary>
        /// The form addresses are compared in: trimmed, without angle brackets, the domain in lower-case ASCII
        /// (punycode for IDN domains) and the local part in lower case. Text that is not an address is only trimmed and lowered.
        /// </summary>
        public static string Normalize(string address)
        {
            ArgumentNullException.ThrowIfNull(address);
            var text = address.Trim();
            if (text.Length > 2 && text[0] == '<' && text[^1] == '>')
            {
                text = text.Substring(1, text.Length - 2).Trim();
            }

            if (text.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
            {
                text = text.Substring("mailto:".Length);
            }

            var at = text.LastIndexOf('@');
            if (at <= 0 || at == text.Length - 1)
            {
                return text.ToLowerInvariant();
            }

            var local = text.Substring(0, at).ToLowerInvariant();
            return local + "@" + AsciiDomain(text.Substring(at + 1));
        }

        /// <summary>The domain of an address in Unicode (for messages), or null when the text has none.</summary>
        public static string? UnicodeDomain(string address)
        {
            var normalized = Normalize(address);
            var at = normalized.LastIndexOf('@');
            if (at < 0)
            {
                return null;
            }

            try
            {
                return Idn.GetUnicode(normalized.Substring(at + 1));
            }
            catch (ArgumentException)
            {
                return normalized.Substring(at + 1);
            }
        }

        public bool Equals(string? x, string? y)
        {
            if (ReferenceEquals(x, y))
            {
                return true;
            }

            if (x == null || y == null)
            {
                return false;
            }

            return string.Equals(Normalize(x), Normalize(y), StringComparison.Ordinal);
        }

        public int GetHashCode(string obj) => StringComparer.Ordinal.GetHashCode(Normalize(obj));

        private static string AsciiDomain(string domain)
        {
            var lowered = domain.Trim().TrimEnd('.').ToLowerInvariant();
            try
            {
                return Idn.GetAscii(lowered).ToLowerInvariant();
            }
            catch (ArgumentException)
            {
                // Not a valid IDN (an address literal such as [192.0.2.1], or junk): compare it as written.
                return lowered;
            }
        }
    }
}
