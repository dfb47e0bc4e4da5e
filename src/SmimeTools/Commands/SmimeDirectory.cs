using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Commands
{
    /// <summary>
    /// A directory to look certificates up in, with how to connect: what New-SmimeDirectory returns and what -Directory
    /// takes besides plain URIs. Keep one in $PSDefaultParameterValues (in your profile) to configure it once.
    /// </summary>
    public sealed class SmimeDirectory
    {
        internal SmimeDirectory(string uri, bool startTls, PSCredential? credential, X509Certificate2[] trustedRoot, int timeoutSec, int sizeLimit,
            int? maximumReplySize = null, long? maximumResultSize = null)
        {
            MaximumDirectoryReplySize = maximumReplySize;
            MaximumDirectoryResultSize = maximumResultSize;
            Uri = uri;
            StartTls = startTls;
            Credential = credential;
            TrustedRoot = trustedRoot;
            TimeoutSec = timeoutSec;
            SizeLimit = sizeLimit;
        }

        /// <summary>ldap://host:port/base-dn or ldaps://host:port/base-dn.</summary>
        public string Uri { get; }

        /// <summary>True when an ldap:// connection is upgraded with StartTLS before anything else is sent.</summary>
        public bool StartTls { get; }

        /// <summary>Who to bind as (simple bind); null for anonymous.</summary>
        public PSCredential? Credential { get; }

        /// <summary>CA certificates the directory's TLS certificate may chain to, besides the system's roots.</summary>
        public X509Certificate2[] TrustedRoot { get; }

        /// <summary>Seconds connecting, the TLS handshake and each request may take.</summary>
        public int TimeoutSec { get; }

        /// <summary>Most entries one search returns.</summary>
        public int SizeLimit { get; }

        /// <summary>Largest single reply accepted from the directory, in bytes; null for the default (8 MiB).</summary>
        public int? MaximumDirectoryReplySize { get; }

        /// <summary>Most bytes of all replies to one search; null for the default (64 MiB).</summary>
        public long? MaximumDirectoryResultSize { get; }

        /// <summary>"ldaps://ldap.example.com/ou=people,dc=example,dc=com": how it shows in a list.</summary>
        public override string ToString() => Uri + (StartTls ? " (StartTLS)" : string.Empty) + (Credential != null ? $" as {Credential.UserName}" : string.Empty);

        internal static void ValidateUri(string uri) => SmimeTools.Engine.Ldap.LdapUrl.Parse(uri);

        internal static readonly int DefaultTimeoutSec = 15;

        internal static readonly int DefaultSizeLimit = 100;
    }
}
