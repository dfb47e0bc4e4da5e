using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Ldap;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// An LDAP directory as a certificate source. Entries are found by address in <c>mail</c> (and
    /// <c>proxyAddresses</c>, where the directory has it, as Active Directory does); their certificates come from
    /// <c>userCertificate;binary</c> (DER), <c>userSMIMECertificate</c> (PKCS#7, end-entity certificates only) and
    /// <c>cACertificate</c>. Each certificate's source is the directory URL. One connection is opened on first use and
    /// kept until <see cref="Dispose"/>; answers per address are cached for <see cref="CacheLifetime"/>.
    /// </summary>
    public sealed class DirectoryCertificateSource : CertificateSource, IDisposable
    {
        /// <summary>The attributes certificates are read from, as requested from the server.</summary>
        public static IReadOnlyList<string> CertificateAttributes { get; } = new[] { "userCertificate;binary", "userSMIMECertificate", "cACertificate;binary" };

        private readonly CancellationToken _cancellationToken;
        private LdapConnection? _connection;

        public DirectoryCertificateSource(DirectoryLocation location, CancellationToken cancellationToken = default)
        {
            Location = location ?? throw new ArgumentNullException(nameof(location));
            _cancellationToken = cancellationToken;
        }

        public DirectoryLocation Location { get; }

        public override string Description => Location.Display;

        /// <summary>How long an answer per address is reused (<see cref="DirectoryLookupCache"/>); zero asks the directory every time.</summary>
        public TimeSpan CacheLifetime { get; init; } = DirectoryLookupCache.DefaultLifetime;

        /// <summary>Receives what is worth telling with -Verbose: the filter sent, entries found, values skipped, truncation.</summary>
        public Action<string>? Note { get; set; }

        /// <summary>Every certificate below the base DN (up to the size limit): entries that have any certificate attribute.</summary>
        public override IEnumerable<CertificateEntry> Read(Action<SmimeException>? problem = null)
        {
            var filter = LdapFilter.Or(CertificateAttributes.Select(a => LdapFilter.Present(a.Split(';')[0])));
            var result = Search(filter);
            return result.Entries.SelectMany(e => CertificatesOf(e)).ToList();
        }

        /// <summary>With addresses in the query, asks the directory for those entries only; then filters as any source.</summary>
        public override IEnumerable<CertificateEntry> Find(CertificateQuery query, Action<SmimeException>? problem = null)
        {
            ArgumentNullException.ThrowIfNull(query);
            if (query.Emails.Count == 0)
            {
                return query.Filter(Read(problem));
            }

            var found = new List<CertificateEntry>();
            foreach (var address in query.Emails)
            {
                try
                {
                    found.AddRange(FindByAddress(address));
                }
                catch (SmimeException e) when (problem != null && e.ErrorId is ErrorIds.DirectoryEntryNotFound or ErrorIds.DirectoryEntryWithoutCertificate)
                {
                    problem(e);
                }
            }

            return query.Filter(found);
        }

        /// <summary>
        /// The certificates of the entries whose mail (or proxyAddresses) is <paramref name="address"/>. Throws
        /// <see cref="ErrorIds.DirectoryEntryNotFound"/> when no entry has the address and
        /// <see cref="ErrorIds.DirectoryEntryWithoutCertificate"/> when the entries have no certificate.
        /// </summary>
        public IReadOnlyList<CertificateEntry> FindByAddress(string address)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(address);
            address = address.Trim();
            var key = DirectoryLookupCache.KeyFor(Location, address);
            if (CacheLifetime <= TimeSpan.Zero || !DirectoryLookupCache.TryGet(key, out var answer))
            {
                var filter = AddressFilter(address);
                var result = Search(filter);
                answer = new DirectoryAnswer(
                    result.Entries.Select(e => e.DistinguishedName).ToList(),
                    result.Entries.SelectMany(e => CertificatesOf(e)).GroupBy(c => c.Certificate.Thumbprint).Select(g => g.First()).ToList(),
                    result.Truncation);
                DirectoryLookupCache.Put(key, answer, CacheLifetime);
            }
            else
            {
                Note?.Invoke($"Using the answer {Location.Display} gave for {address} within the last {CacheLifetime.TotalMinutes:0.#} minute(s).");
            }

            if (answer.EntryNames.Count == 0)
            {
                throw new SmimeException(ErrorIds.DirectoryEntryNotFound, SmimeErrorKind.ObjectNotFound,
                    $"The directory {Location.Display} has no entry for {address} (no mail or proxyAddresses value is the address"
                    + (answer.Truncation != null ? $"; the search was cut short: {answer.Truncation}" : string.Empty) + ").",
                    "Check the address and the base DN of the directory URI; the person may be in another directory.", address);
            }

            if (answer.Certificates.Count == 0)
            {
                throw new SmimeException(ErrorIds.DirectoryEntryWithoutCertificate, SmimeErrorKind.ObjectNotFound,
                    $"The directory {Location.Display} has an entry for {address} ({string.Join("; ", answer.EntryNames)}) but no certificate in it "
                    + $"({string.Join(", ", CertificateAttributes)}).",
                    "Ask the person for a signed message (its certificate can be imported with Import-SmimeCertificate), or ask the directory's administrator to publish it.",
                    address);
            }

            Note?.Invoke($"{Location.Display} has {answer.Certificates.Count} certificate(s) for {address} in {string.Join("; ", answer.EntryNames)}.");
            return answer.Certificates;
        }

        /// <summary>(|(mail=a)(proxyAddresses=smtp:a)...) over the address as given and with its domain in ASCII (punycode) and Unicode.</summary>
        public static LdapFilter AddressFilter(string address)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(address);
            var forms = AddressForms(address.Trim());
            return LdapFilter.Or(forms.SelectMany(f => new[] { LdapFilter.Equal("mail", f), LdapFilter.Equal("proxyAddresses", "smtp:" + f) }));
        }

        /// <summary>The certificates one entry carries; values that are not certificates are skipped with a note.</summary>
        public IEnumerable<CertificateEntry> CertificatesOf(LdapEntry entry)
        {
            ArgumentNullException.ThrowIfNull(entry);
            foreach (var value in entry.ValuesOf("userCertificate").Concat(entry.ValuesOf("cACertificate")))
            {
                X509Certificate2? certificate = null;
                try
                {
                    certificate = Cms.DerCertificate.Load(value);
                }
                catch (CryptographicException e)
                {
                    Note?.Invoke($"Skipping a value of {entry.DistinguishedName} that is not a certificate: {e.Message}");
                }

                if (certificate != null)
                {
                    yield return new CertificateEntry(certificate, null, Location.Display);
                }
            }

            foreach (var value in entry.ValuesOf("userSMIMECertificate"))
            {
                X509Certificate2Collection? bundle = null;
                try
                {
                    var cms = new SignedCms();
                    cms.Decode(value);
                    bundle = cms.Certificates;
                }
                catch (CryptographicException e)
                {
                    Note?.Invoke($"Skipping a userSMIMECertificate value of {entry.DistinguishedName} that is not PKCS#7: {e.Message}");
                }

                // Outlook's value carries the chain too; the CA certificates are not the person's.
                foreach (var certificate in bundle == null ? Array.Empty<X509Certificate2>() : CertificateUsageRules.MailCertificatesAmong(bundle))
                {
                    yield return new CertificateEntry(certificate, null, Location.Display);
                }
            }
        }

        public void Dispose()
        {
            _connection?.Dispose();
            _connection = null;
        }

        /// <summary>Runs a search on the kept connection; a connection that broke since is opened again once.</summary>
        internal LdapSearchResult Search(LdapFilter filter, IReadOnlyList<string>? attributes = null)
        {
            Note?.Invoke($"Searching {Location.Display} for {filter}.");
            LdapSearchResult result;
            bool fresh = _connection == null;
            try
            {
                result = Connection().Search(Location.Url.BaseDn, LdapScope.Subtree, filter, attributes ?? CertificateAttributes, _cancellationToken);
            }
            catch (SmimeException e) when (!fresh && e.ErrorId is ErrorIds.DirectoryUnavailable)
            {
                Dispose();
                result = Connection().Search(Location.Url.BaseDn, LdapScope.Subtree, filter, attributes ?? CertificateAttributes, _cancellationToken);
            }

            if (result.Truncation != null)
            {
                Note?.Invoke($"The search of {Location.Display} was cut short: {result.Truncation}.");
            }

            return result;
        }

        internal LdapConnection Connection() =>
            _connection ??= LdapConnection.Open(Location.Url, Location.Options, _cancellationToken);

        private static IReadOnlyList<string> AddressForms(string address)
        {
            var forms = new List<string> { address };
            int at = address.LastIndexOf('@');
            if (at > 0 && at < address.Length - 1)
            {
                var local = address.Substring(0, at);
                var domain = address.Substring(at + 1);
                var idn = new IdnMapping();
                foreach (var convert in new Func<string, string>[] { idn.GetAscii, idn.GetUnicode })
                {
                    try
                    {
                        var other = local + "@" + convert(domain);
                        if (!forms.Contains(other, StringComparer.OrdinalIgnoreCase))
                        {
                            forms.Add(other);
                        }
                    }
                    catch (ArgumentException)
                    {
                        // Not a valid IDN domain: the address as given is searched alone.
                    }
                }
            }

            return forms;
        }
    }
}
