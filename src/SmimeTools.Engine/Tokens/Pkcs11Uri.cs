using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>
    /// An RFC 7512 PKCS#11 URI: <c>pkcs11:token=Alice;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so</c>. The path
    /// attributes choose the token and object; the query names the library and may carry the PIN (pin-value, pin-source).
    /// </summary>
    public sealed class Pkcs11Uri
    {
        private const string Scheme = "pkcs11:";

        private static readonly HashSet<string> PathAttributes = new(StringComparer.Ordinal)
        {
            "token", "manufacturer", "serial", "model", "library-manufacturer", "library-description", "library-version",
            "object", "type", "id", "slot-description", "slot-manufacturer", "slot-id",
        };

        private static readonly HashSet<string> QueryAttributes = new(StringComparer.Ordinal) { "module-path", "module-name", "pin-value", "pin-source" };

        private readonly Dictionary<string, byte[]> _values;

        private Pkcs11Uri(string text, Dictionary<string, byte[]> values)
        {
            Text = text;
            _values = values;
        }

        public string Text { get; }

        public string? Token => Get("token");

        public string? Serial => Get("serial");

        public string? Manufacturer => Get("manufacturer");

        public string? Model => Get("model");

        /// <summary>The object's label (CKA_LABEL).</summary>
        public string? Object => Get("object");

        /// <summary>The object's CKA_ID as bytes.</summary>
        public byte[]? Id => _values.TryGetValue("id", out var id) ? id : null;

        /// <summary>cert, private, public, secret-key or data.</summary>
        public string? Type => Get("type");

        public string? ModulePath => Get("module-path");

        public string? ModuleName => Get("module-name");

        public string? PinValue => Get("pin-value");

        public string? PinSource => Get("pin-source");

        public static bool LooksLikeUri(string? text) => text != null && text.TrimStart().StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

        /// <summary>Parses the URI; InvalidPkcs11Uri says what is wrong with it.</summary>
        public static Pkcs11Uri Parse(string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            var trimmed = text.Trim();
            if (!LooksLikeUri(trimmed))
            {
                throw Invalid(text, "it does not start with 'pkcs11:'");
            }

            var body = trimmed.Substring(Scheme.Length);
            var question = body.IndexOf('?');
            var path = question < 0 ? body : body.Substring(0, question);
            var query = question < 0 ? string.Empty : body.Substring(question + 1);
            var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            Split(text, path, ';', PathAttributes, values);
            Split(text, query, '&', QueryAttributes, values);
            if (values.TryGetValue("type", out var type) && !new[] { "cert", "private", "public", "secret-key", "data" }.Contains(Encoding.UTF8.GetString(type)))
            {
                throw Invalid(text, $"the type '{Encoding.UTF8.GetString(type)}' is not one of cert, private, public, secret-key, data");
            }

            return new Pkcs11Uri(trimmed, values);
        }

        /// <summary>The library the URI names (module-path), or <paramref name="fallback"/>; InvalidPkcs11Uri when neither is there.</summary>
        public string LibraryPath(string? fallback)
        {
            var path = ModulePath ?? fallback;
            if (path != null)
            {
                return path;
            }

            if (ModuleName != null)
            {
                return ModuleName.Contains('.') ? ModuleName : ModuleName + (OperatingSystem.IsWindows() ? ".dll" : OperatingSystem.IsMacOS() ? ".dylib" : ".so");
            }

            throw Invalid(Text, "it names no library (module-path) and -Pkcs11Module was not given");
        }

        /// <summary>The PIN the URI carries (pin-value, or the first line of the pin-source file), or null.</summary>
        public System.Security.SecureString? Pin()
        {
            if (PinValue != null)
            {
                return TokenPin.FromText(PinValue);
            }

            if (PinSource == null)
            {
                return null;
            }

            var file = PinSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? PinSource.Substring(5) : PinSource;
            try
            {
                var first = File.ReadLines(file).FirstOrDefault() ?? string.Empty;
                return TokenPin.FromText(first.TrimEnd('\r', '\n'));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.InvalidPkcs11Uri, SmimeErrorKind.ReadError,
                    $"The PIN file '{file}' named by pin-source cannot be read: {e.Message}", "Check the path and that you may read it.", file, e);
            }
        }

        /// <summary>True when the token matches the URI's token attributes.</summary>
        public bool Matches(TokenInfo token) =>
            (Token == null || string.Equals(Token, token.Label, StringComparison.Ordinal))
            && (Serial == null || string.Equals(Serial, token.SerialNumber, StringComparison.OrdinalIgnoreCase))
            && (Manufacturer == null || string.Equals(Manufacturer, token.Manufacturer, StringComparison.Ordinal))
            && (Model == null || string.Equals(Model, token.Model, StringComparison.Ordinal));

        public static string ForToken(TokenInfo token) =>
            $"pkcs11:token={Encode(token.Label)};serial={Encode(token.SerialNumber)}?module-path={Encode(token.ModulePath)}";

        /// <summary>The URI of one object (a certificate or key) on a token: its id, and its label when it has one.</summary>
        public static string ForObject(TokenInfo token, byte[] id, string? label, string type)
        {
            var builder = new StringBuilder("pkcs11:token=").Append(Encode(token.Label)).Append(";serial=").Append(Encode(token.SerialNumber))
                .Append(";id=").Append(string.Concat(id.Select(b => "%" + b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))));
            if (!string.IsNullOrEmpty(label))
            {
                builder.Append(";object=").Append(Encode(label));
            }

            return builder.Append(";type=").Append(type).Append("?module-path=").Append(Encode(token.ModulePath)).ToString();
        }

        public override string ToString() => Text;

        private string? Get(string name) => _values.TryGetValue(name, out var value) ? Encoding.UTF8.GetString(value) : null;

        private static void Split(string text, string part, char separator, HashSet<string> known, Dictionary<string, byte[]> values)
        {
            if (part.Length == 0)
            {
                return;
            }

            foreach (var attribute in part.Split(separator))
            {
                var equals = attribute.IndexOf('=');
                if (equals <= 0)
                {
                    throw Invalid(text, $"'{attribute}' is not name=value");
                }

                var name = attribute.Substring(0, equals).ToLowerInvariant();
                if (!known.Contains(name) && !name.StartsWith("x-", StringComparison.Ordinal))
                {
                    throw Invalid(text, $"'{name}' is not an attribute RFC 7512 defines{(separator == ';' && QueryAttributes.Contains(name) ? " in the path (it belongs after '?')" : string.Empty)}");
                }

                if (values.ContainsKey(name))
                {
                    throw Invalid(text, $"'{name}' is given twice");
                }

                values[name] = Decode(text, attribute.Substring(equals + 1));
            }
        }

        private static byte[] Decode(string text, string value)
        {
            var bytes = new List<byte>();
            for (var i = 0; i < value.Length; i++)
            {
                if (value[i] != '%')
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
                    continue;
                }

                if (i + 2 >= value.Length || !Uri.IsHexDigit(value[i + 1]) || !Uri.IsHexDigit(value[i + 2]))
                {
                    throw Invalid(text, $"'{value}' has a '%' that is not followed by two hex digits");
                }

                bytes.Add(Convert.ToByte(value.Substring(i + 1, 2), 16));
                i += 2;
            }

            return bytes.ToArray();
        }

        private static string Encode(string value)
        {
            var builder = new StringBuilder();
            foreach (var b in Encoding.UTF8.GetBytes(value))
            {
                var c = (char)b;
                if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || "-._~/:@!$'()*+,".IndexOf(c) >= 0))
                {
                    builder.Append(c);
                }
                else
                {
                    builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            return builder.ToString();
        }

        private static SmimeException Invalid(string text, string why) =>
            new(ErrorIds.InvalidPkcs11Uri, SmimeErrorKind.InvalidArgument,
                $"'{text}' is not a usable PKCS#11 URI: {why}.",
                "Write it as RFC 7512 does, for example pkcs11:token=MyToken;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so.", text);
    }
}
