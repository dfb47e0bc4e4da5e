using System;
using SmimeTools.Engine.Ldap;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>A directory to find certificates in: its URL and how to connect (protection, credentials, TLS trust, limits).</summary>
    public sealed class DirectoryLocation
    {
        public DirectoryLocation(LdapUrl url, LdapConnectionOptions? options = null)
        {
            Url = url ?? throw new ArgumentNullException(nameof(url));
            Options = options ?? new LdapConnectionOptions();
        }

        public LdapUrl Url { get; }

        public LdapConnectionOptions Options { get; }

        /// <summary>The URL as messages and the Source of found certificates show it.</summary>
        public string Display => Url.Display;

        /// <summary>What makes two lookups the same for the cache: the URL, the protection and who is bound.</summary>
        internal string CacheKey => $"{Url.Display}|{Options.SecurityFor(Url)}|{Options.Credential?.UserName}";

        public override string ToString() => Display;
    }
}
