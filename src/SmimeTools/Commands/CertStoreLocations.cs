using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>What -CertStoreLocation takes: Cert:\Location\Store paths, where a wildcard expands over the known stores.</summary>
    internal static class CertStoreLocations
    {
        public const string CurrentUserMy = @"Cert:\CurrentUser\My";
        public const string CurrentUserAddressBook = @"Cert:\CurrentUser\AddressBook";

        /// <summary>The stores one text names; throws SmimeException (InvalidStorePath) for text that is no store path.</summary>
        public static IReadOnlyList<CertificateStorePath> Expand(string text)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(text))
            {
                return new[] { CertificateStorePath.Parse(text) };
            }

            var pattern = new WildcardPattern(text.Replace('/', '\\'), WildcardOptions.IgnoreCase);
            return CertificateStoreCatalog.Locations
                .SelectMany(l => CertificateStoreCatalog.StoreNames(l).Select(n => CertificateStorePath.Parse($"Cert:\\{l}\\{n}")))
                .Where(s => pattern.IsMatch(s.DisplayPath) || pattern.IsMatch(s.DisplayPath.Substring(@"Cert:\".Length)))
                .ToList();
        }

        /// <summary>Every store the texts name, each once, as sources; throws on the first text that is no store path.</summary>
        public static IReadOnlyList<CertificateSource> Sources(IEnumerable<string> texts) =>
            texts.SelectMany(Expand).Distinct().Select(s => (CertificateSource)new StoreCertificateSource(s)).ToList();

        /// <summary>
        /// The certificates of the stores, for putting addresses to recipients: a store that cannot be read is
        /// told to <paramref name="note"/> and skipped, since the addresses are a courtesy.
        /// </summary>
        public static IEnumerable<X509Certificate2> ReadForAddresses(IEnumerable<string> texts, Action<string> note)
        {
            var found = new List<X509Certificate2>();
            try
            {
                foreach (var source in Sources(texts))
                {
                    found.AddRange(source.Read(e => note(e.Message)).Select(e => e.Certificate));
                }
            }
            catch (SmimeException e)
            {
                note($"Recipient addresses are not looked up: {e.Message}");
            }

            return found;
        }
    }
}
