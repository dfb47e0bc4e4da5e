using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// File names for bulk exports, from a pattern such as <c>{Email}.p12</c>. Tokens: {Email} (the first e-mail
    /// address; the common name, then the thumbprint, when there is none), {Thumbprint}, {Subject-CN} (also {CN};
    /// the thumbprint when there is no common name) and {Serial}. Tokens are case-insensitive; characters that
    /// are not allowed in file names on any OS become '_'.
    /// </summary>
    public static class IdentityFileName
    {
        private static readonly Regex Token = new(@"\{([^{}]*)\}", RegexOptions.CultureInvariant);

        private static readonly string[] Known = { "Email", "Thumbprint", "Subject-CN", "CN", "Serial" };

        // The union of what Windows, macOS and Linux refuse, so a folder of exports copies anywhere.
        private static readonly char[] Forbidden = "<>:\"/\\|?*".ToCharArray();

        public static IReadOnlyList<string> Tokens => Known.Select(t => "{" + t + "}").ToArray();

        /// <summary>The pattern used when none is given: {Email}.p12, or {Email}.cer / {Email}.pem for certificates alone.</summary>
        public static string DefaultPattern(bool publicOnly, bool pem) =>
            !publicOnly ? "{Email}.p12" : pem ? "{Email}.pem" : "{Email}.cer";

        /// <summary>Throws <see cref="SmimeException"/> (<see cref="ErrorIds.InvalidFileNamePattern"/>) for unknown tokens or folder separators.</summary>
        public static void Validate(string pattern)
        {
            ArgumentNullException.ThrowIfNull(pattern);
            var unknown = Token.Matches(pattern).Select(m => m.Groups[1].Value)
                .Where(t => !Known.Contains(t, StringComparer.OrdinalIgnoreCase)).ToList();
            var outside = Token.Replace(pattern, string.Empty);
            string? why = null;
            if (string.IsNullOrWhiteSpace(pattern))
            {
                why = "it is empty";
            }
            else if (unknown.Count > 0)
            {
                why = $"it has unknown token(s) {string.Join(", ", unknown.Select(t => "{" + t + "}"))}";
            }
            else if (outside.IndexOfAny(new[] { '{', '}' }) >= 0)
            {
                why = "it has an unpaired { or }";
            }
            else if (outside.IndexOfAny(new[] { '/', '\\' }) >= 0)
            {
                why = "it names a folder; it must be a file name only";
            }

            if (why != null)
            {
                throw new SmimeException(ErrorIds.InvalidFileNamePattern, SmimeErrorKind.InvalidArgument,
                    $"The file name pattern '{pattern}' cannot be used: {why}.",
                    $"Use a file name with the tokens {string.Join(", ", Tokens)}, for example '{{Email}}.p12'.", pattern);
            }
        }

        /// <summary>The file name for <paramref name="certificate"/>; call <see cref="Validate"/> first.</summary>
        public static string Expand(string pattern, X509Certificate2 certificate)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            var name = Clean(Token.Replace(pattern, m => ValueOf(m.Groups[1].Value, certificate)));
            name = name.Trim().TrimEnd('.');
            return name.Length == 0 ? certificate.Thumbprint : name;
        }

        private static string ValueOf(string token, X509Certificate2 certificate)
        {
            string CommonName()
            {
                var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
                return string.IsNullOrWhiteSpace(cn) ? certificate.Thumbprint : cn;
            }

            return token.ToUpperInvariant() switch
            {
                "EMAIL" => CertificateFacts.GetEmails(certificate).FirstOrDefault() ?? CommonName(),
                "THUMBPRINT" => certificate.Thumbprint,
                "SUBJECT-CN" or "CN" => CommonName(),
                "SERIAL" => certificate.SerialNumber,
                _ => string.Empty,
            };
        }

        private static string Clean(string value)
        {
            var builder = new StringBuilder(value.Length);
            var invalid = Path.GetInvalidFileNameChars();
            foreach (var c in value)
            {
                builder.Append(char.IsControl(c) || Array.IndexOf(Forbidden, c) >= 0 || Array.IndexOf(invalid, c) >= 0 ? '_' : c);
            }

            return builder.ToString();
        }
    }
}
