using System;
using System.Collections.Generic;
using System.Linq;

namespace SmimeTools.Engine.Ldap
{
    /// <summary>
    /// An LDAP URL (RFC 4516) as far as SmimeTools uses one: <c>ldap://host:port/base-dn?attributes?scope?filter</c> or
    /// <c>ldaps://...</c>. The base DN is where certificate searches start; the attributes and scope matter for CRL
    /// distribution points, which name the entry and attribute that hold the CRL.
    /// </summary>
    public sealed class LdapUrl : IEquatable<LdapUrl>
    {
        public const int DefaultPort = 389;
        public const int DefaultTlsPort = 636;

        private LdapUrl(string scheme, string host, int port, string baseDn, IReadOnlyList<string> attributes, LdapScope? scope, string? filter)
        {
            Scheme = scheme;
            Host = host;
            Port = port;
            BaseDn = baseDn;
            Attributes = attributes;
            Scope = scope;
            Filter = filter;
        }

        /// <summary>"ldap" or "ldaps".</summary>
        public string Scheme { get; }

        public string Host { get; }

        public int Port { get; }

        /// <summary>The DN searches start at; empty for the root of the directory.</summary>
        public string BaseDn { get; }

        /// <summary>The attributes the URL names (CRL distribution points name certificateRevocationList;binary); empty when none.</summary>
        public IReadOnlyList<string> Attributes { get; }

        /// <summary>The scope the URL names, or null when it names none.</summary>
        public LdapScope? Scope { get; }

        public string? Filter { get; }

        /// <summary>True for ldaps://.</summary>
        public bool IsTls => Scheme == "ldaps";

        /// <summary>"ldaps://ldap.example.com:636/ou=people,dc=example,dc=com": the URL as messages show it.</summary>
        public string Display => $"{Scheme}://{(Host.Contains(':') ? "[" + Host + "]" : Host)}:{Port}/{BaseDn}";

        /// <summary>Parses an ldap:// or ldaps:// URL; throws <see cref="SmimeException"/> (<see cref="ErrorIds.InvalidDirectoryUri"/>) otherwise.</summary>
        public static LdapUrl Parse(string text)
        {
            if (TryParse(text, out var url, out var why))
            {
                return url!;
            }

            throw new SmimeException(ErrorIds.InvalidDirectoryUri, SmimeErrorKind.InvalidArgument,
                $"'{text}' is not a directory URI: {why}",
                "Give the directory as ldap://host:port/base-dn or ldaps://host:port/base-dn, in quotes (unquoted, PowerShell splits a base DN at its commas), for example 'ldaps://ldap.example.com/ou=people,dc=example,dc=com'.",
                text);
        }

        public static bool TryParse(string? text, out LdapUrl? url, out string why)
        {
            url = null;
            if (string.IsNullOrWhiteSpace(text))
            {
                why = "it is empty.";
                return false;
            }

            text = text.Trim();
            int schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
            string scheme = schemeEnd < 0 ? string.Empty : text.Substring(0, schemeEnd).ToLowerInvariant();
            if (scheme != "ldap" && scheme != "ldaps")
            {
                why = "it does not start with ldap:// or ldaps://.";
                return false;
            }

            string rest = text.Substring(schemeEnd + 3);
            int slash = rest.IndexOf('/');
            string hostPort = slash < 0 ? rest : rest.Substring(0, slash);
            string path = slash < 0 ? string.Empty : rest.Substring(slash + 1);
            if (!TrySplitHostPort(hostPort, scheme == "ldaps" ? DefaultTlsPort : DefaultPort, out var host, out var port, out why))
            {
                return false;
            }

            // dn ? attributes ? scope ? filter ? extensions; each part percent-encoded.
            string[] parts = path.Split('?');
            if (parts.Length > 5)
            {
                why = "it has more than four '?' separators.";
                return false;
            }

            string baseDn;
            try
            {
                baseDn = Uri.UnescapeDataString(parts[0]);
            }
            catch (UriFormatException e)
            {
                why = e.Message;
                return false;
            }

            var attributes = parts.Length > 1 && parts[1].Length > 0
                ? parts[1].Split(',').Select(Uri.UnescapeDataString).Where(a => a.Length > 0).ToArray()
                : Array.Empty<string>();
            LdapScope? scope = null;
            if (parts.Length > 2 && parts[2].Length > 0)
            {
                switch (parts[2].ToLowerInvariant())
                {
                    case "base": scope = LdapScope.Base; break;
                    case "one": scope = LdapScope.OneLevel; break;
                    case "sub": scope = LdapScope.Subtree; break;
                    default:
                        why = $"the scope '{parts[2]}' is not base, one or sub.";
                        return false;
                }
            }

            string? filter = parts.Length > 3 && parts[3].Length > 0 ? Uri.UnescapeDataString(parts[3]) : null;
            if (parts.Length > 4 && parts[4].Split(',').Any(e => e.StartsWith('!')))
            {
                why = "it asks for a critical extension, which SmimeTools does not support.";
                return false;
            }

            url = new LdapUrl(scheme, host, port, baseDn, attributes, scope, filter);
            why = string.Empty;
            return true;
        }

        private static bool TrySplitHostPort(string hostPort, int defaultPort, out string host, out int port, out string why)
        {
            host = string.Empty;
            port = defaultPort;
            why = string.Empty;
            if (hostPort.Contains('@'))
            {
                why = "it carries user information; give credentials with -Credential instead.";
                return false;
            }

            string portText = string.Empty;
            if (hostPort.StartsWith('['))
            {
                int close = hostPort.IndexOf(']');
                if (close < 0)
                {
                    why = "its IPv6 address has no closing ']'.";
                    return false;
                }

                host = hostPort.Substring(1, close - 1);
                portText = hostPort.Substring(close + 1).TrimStart(':');
            }
            else
            {
                int colon = hostPort.LastIndexOf(':');
                host = colon < 0 ? hostPort : hostPort.Substring(0, colon);
                portText = colon < 0 ? string.Empty : hostPort.Substring(colon + 1);
            }

            host = Uri.UnescapeDataString(host);
            if (host.Length == 0)
            {
                why = "it names no server (SmimeTools does not guess one).";
                return false;
            }

            if (portText.Length > 0 && (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port < 1 || port > 65535))
            {
                why = $"the port '{portText}' is not a number from 1 to 65535.";
                return false;
            }

            return true;
        }

        public bool Equals(LdapUrl? other) =>
            other != null && Scheme == other.Scheme && Port == other.Port
            && string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase)
            && string.Equals(BaseDn, other.BaseDn, StringComparison.OrdinalIgnoreCase);

        public override bool Equals(object? obj) => Equals(obj as LdapUrl);

        public override int GetHashCode() => HashCode.Combine(Scheme, Port, Host.ToLowerInvariant(), BaseDn.ToLowerInvariant());

        public override string ToString() => Display;
    }
}
