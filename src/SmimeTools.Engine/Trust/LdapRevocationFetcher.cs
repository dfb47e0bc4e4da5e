using System;
using System.IO;
using System.Linq;
using System.Threading;
using SmimeTools.Engine.Ldap;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Fetches CRLs from ldap:// and ldaps:// distribution points (RFC 4516 URLs naming the CA's entry and, usually,
    /// certificateRevocationList;binary), anonymously, and hands http, https and OCSP to another fetcher.
    /// </summary>
    public sealed class LdapRevocationFetcher : IRevocationFetcher
    {
        private const string DefaultAttribute = "certificateRevocationList;binary";
        private readonly IRevocationFetcher _other;
        private readonly LdapConnectionOptions _options;

        /// <summary>The fetcher <see cref="ValidationOptions.ReadDirectoryDistributionPoints"/> asks for: anonymous LDAP, then <see cref="HttpRevocationFetcher.Default"/>.</summary>
        public static LdapRevocationFetcher Default { get; } = new();

        /// <summary>A fetcher for LDAP distribution points, giving every other request to <paramref name="other"/> (the HTTP fetcher by default).</summary>
        public LdapRevocationFetcher(IRevocationFetcher? other = null, LdapConnectionOptions? options = null)
        {
            _other = other ?? HttpRevocationFetcher.Default;
            _options = options ?? new LdapConnectionOptions { SizeLimit = 1, Timeout = TimeSpan.FromSeconds(15) };
        }

        public byte[]? FetchCrl(Uri location, long maxBytes, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(location);
            if (!location.IsAbsoluteUri || (location.Scheme != "ldap" && location.Scheme != "ldaps"))
            {
                return _other.FetchCrl(location, maxBytes, cancellationToken);
            }

            var url = LdapUrl.Parse(location.OriginalString);
            var attribute = url.Attributes.FirstOrDefault() ?? DefaultAttribute;
            // The CRL limit is the one that applies: the reply that carries the CRL may be as large, with room for its entry.
            int reply = (int)Math.Min(int.MaxValue, maxBytes + (64 * 1024));
            var options = _options.Limits.MaximumDirectoryReplySize >= reply ? _options
                : _options.With(_options.Limits with { MaximumDirectoryReplySize = reply, MaximumDirectoryResultSize = Math.Max(_options.Limits.MaximumDirectoryResultSize, reply) });
            using var connection = LdapConnection.Open(url, options, cancellationToken);
            var result = connection.Search(url.BaseDn, url.Scope ?? LdapScope.Base, LdapFilter.Any, new[] { attribute }, cancellationToken);
            var entry = result.Entries.FirstOrDefault()
                ?? throw new InvalidDataException($"{url.Display} has no entry '{url.BaseDn}'.");
            var value = entry.ValuesOf(attribute.Split(';')[0]).FirstOrDefault()
                ?? throw new InvalidDataException($"the entry '{entry.DistinguishedName}' has no {attribute}.");
            if (value.LongLength > maxBytes)
            {
                throw InputLimits.Exceeded(ErrorIds.CrlTooLarge, $"The CRL at {url.Display}", $"it is {value.LongLength} bytes",
                    nameof(InputLimits.MaximumCrlSize), maxBytes, url.Display);
            }

            return value;
        }

        public byte[]? SendOcspRequest(Uri responder, byte[] request, long maxBytes, CancellationToken cancellationToken) =>
            _other.SendOcspRequest(responder, request, maxBytes, cancellationToken);
    }
}
