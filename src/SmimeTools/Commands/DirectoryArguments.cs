using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Ldap;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Turns what -Directory takes (URIs, or objects from New-SmimeDirectory) and the connection parameters beside it
    /// into engine directory sources. The parameters given to the cmdlet apply to plain URIs and add to objects.
    /// </summary>
    internal static class DirectoryArguments
    {
        public static List<SmimeDirectory> Directories(IEnumerable<object?> values, PSCredential? credential, bool startTls, X509Certificate2[]? trustedRoot,
            int? timeoutSec, int? sizeLimit, int? maximumReplySize = null, long? maximumResultSize = null)
        {
            var result = new List<SmimeDirectory>();
            foreach (var value in values)
            {
                switch (value is PSObject wrapped ? wrapped.BaseObject : value)
                {
                    case null:
                        break;
                    case SmimeDirectory directory:
                        result.Add(new SmimeDirectory(directory.Uri, directory.StartTls || startTls, credential ?? directory.Credential,
                            directory.TrustedRoot.Concat(trustedRoot ?? Array.Empty<X509Certificate2>()).ToArray(),
                            timeoutSec ?? directory.TimeoutSec, sizeLimit ?? directory.SizeLimit,
                            maximumReplySize ?? directory.MaximumDirectoryReplySize, maximumResultSize ?? directory.MaximumDirectoryResultSize));
                        break;
                    case string uri:
                        SmimeDirectory.ValidateUri(uri);
                        result.Add(new SmimeDirectory(uri.Trim(), startTls, credential, trustedRoot ?? Array.Empty<X509Certificate2>(),
                            timeoutSec ?? SmimeDirectory.DefaultTimeoutSec, sizeLimit ?? SmimeDirectory.DefaultSizeLimit, maximumReplySize, maximumResultSize));
                        break;
                    case object other:
                        throw new SmimeException(ErrorIds.InvalidDirectoryUri, SmimeErrorKind.InvalidArgument,
                            $"-Directory takes ldap:// or ldaps:// URIs or objects from New-SmimeDirectory, not {other.GetType().Name}.",
                            "Give the directory as ldaps://host/base-dn, or make one with New-SmimeDirectory.", other);
                }
            }

            return result;
        }

        public static DirectoryLocation Location(SmimeDirectory directory)
        {
            var url = LdapUrl.Parse(directory.Uri);
            return new DirectoryLocation(url, new LdapConnectionOptions
            {
                Security = directory.StartTls ? LdapSecurity.StartTls : null,
                // Not GetNetworkCredential(): it would split DOMAIN\user, and a DN is the whole user name.
                Credential = directory.Credential is { } credential && credential.UserName.Length > 0 ? new NetworkCredential(credential.UserName, credential.Password) : null,
                TrustedRoots = directory.TrustedRoot,
                Timeout = TimeSpan.FromSeconds(directory.TimeoutSec),
                SizeLimit = directory.SizeLimit,
                TimeLimitSeconds = Math.Max(1, directory.TimeoutSec),
                Limits = InputLimits.Default with
                {
                    MaximumDirectoryReplySize = directory.MaximumDirectoryReplySize ?? InputLimits.Default.MaximumDirectoryReplySize,
                    MaximumDirectoryResultSize = directory.MaximumDirectoryResultSize ?? InputLimits.Default.MaximumDirectoryResultSize,
                },
            });
        }

        public static DirectoryCertificateSource Source(SmimeDirectory directory, CancellationToken cancellationToken, Action<string>? note, TimeSpan? cacheLifetime = null) =>
            new(Location(directory), cancellationToken) { Note = note, CacheLifetime = cacheLifetime ?? DirectoryLookupCache.DefaultLifetime };

        /// <summary>CA certificates for -DirectoryTrustedRoot: certificates or certificate files.</summary>
        public static X509Certificate2[]? TrustedRoots(object[]? values, Func<string, string> resolvePath) =>
            values == null ? null : CertificateArguments.Expand(values, "DirectoryTrustedRoot", resolvePath).ToArray();
    }
}
