using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// The file name of a Maildir message, <c>unique[:info]</c>: the unique part may carry Dovecot/Courier fields such
    /// as <c>,S=</c> (file size) and <c>,W=</c> (virtual size, with CRLF line ends), the info part holds the flags
    /// (<c>2,RS</c>). Rewriting a message changes its sizes, so <see cref="WithSizes"/> gives the name to rename it to;
    /// everything else in the name is kept byte for byte, so the mail client still sees the same message and flags.
    /// </summary>
    public sealed class MaildirName
    {
        /// <summary>The standard separator before the info part.</summary>
        public const char StandardSeparator = ':';

        private const string SizeField = "S";
        private const string VirtualSizeField = "W";

        private MaildirName(string baseName, IReadOnlyList<KeyValuePair<string, string>> fields, char? infoSeparator, string? info)
        {
            Base = baseName;
            Fields = fields;
            InfoSeparator = infoSeparator;
            Info = info;
        }

        /// <summary>The unique part before its first <c>,X=</c> field, e.g. <c>1680000000.M123P456.host</c>.</summary>
        public string Base { get; }

        /// <summary>The <c>,X=value</c> fields of the unique part, in the order of the name.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }

        /// <summary>The whole unique part: <see cref="Base"/> and its fields.</summary>
        public string Unique
        {
            get
            {
                var unique = new StringBuilder(Base);
                foreach (var (key, value) in Fields)
                {
                    unique.Append(',').Append(key).Append('=').Append(value);
                }

                return unique.ToString();
            }
        }

        /// <summary><c>:</c>, or <c>!</c> / <c>;</c> where the mail store uses them instead (Windows); null without an info part.</summary>
        public char? InfoSeparator { get; }

        /// <summary>What follows the separator, e.g. <c>2,RS</c>; null for a message in new/ that has none yet.</summary>
        public string? Info { get; }

        /// <summary>The flag letters of a <c>2,</c> info part (<c>RS</c>), empty for <c>2,</c>; null for other or no info.</summary>
        public string? Flags => Info != null && Info.StartsWith("2,", StringComparison.Ordinal) ? Info[2..] : null;

        /// <summary>The <c>S=</c> field: the file size in bytes; null when absent or not a number.</summary>
        public long? Size => NumberOf(SizeField);

        /// <summary>The <c>W=</c> field: the size with CRLF line ends; null when absent or not a number.</summary>
        public long? VirtualSize => NumberOf(VirtualSizeField);

        /// <summary>Reads a Maildir file name (no folder).</summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.InvalidMaildirName"/> when it is empty or has a folder in it.</exception>
        public static MaildirName Parse(string fileName)
        {
            ArgumentNullException.ThrowIfNull(fileName);
            if (fileName.Length == 0 || fileName.IndexOfAny(['/', '\\', '\0']) >= 0)
            {
                throw new SmimeException(ErrorIds.InvalidMaildirName, SmimeErrorKind.InvalidArgument,
                    $"'{fileName}' is not a Maildir file name: it is empty or contains a folder separator.",
                    "Give the file name alone, without its folder.", fileName);
            }

            var separatorAt = SeparatorIndex(fileName);
            var unique = separatorAt < 0 ? fileName : fileName[..separatorAt];
            char? separator = separatorAt < 0 ? null : fileName[separatorAt];
            var info = separatorAt < 0 ? null : fileName[(separatorAt + 1)..];
            var (baseName, fields) = SplitFields(unique);
            if (baseName.Length == 0)
            {
                throw new SmimeException(ErrorIds.InvalidMaildirName, SmimeErrorKind.InvalidArgument,
                    $"'{fileName}' is not a Maildir file name: its unique part is empty.", "Check that the file comes from a Maildir cur/ or new/ folder.", fileName);
            }

            return new MaildirName(baseName, fields, separator, info);
        }

        /// <summary>
        /// The name with the <c>S=</c> and <c>W=</c> fields that it has set to <paramref name="size"/> and
        /// <paramref name="virtualSize"/>; fields it lacks are not added, so a name without them stays the same.
        /// </summary>
        public MaildirName WithSizes(long size, long virtualSize)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(size);
            ArgumentOutOfRangeException.ThrowIfLessThan(virtualSize, size);
            var fields = new List<KeyValuePair<string, string>>(Fields.Count);
            foreach (var field in Fields)
            {
                var value = field.Key switch
                {
                    SizeField => size.ToString(CultureInfo.InvariantCulture),
                    VirtualSizeField => virtualSize.ToString(CultureInfo.InvariantCulture),
                    _ => field.Value,
                };
                fields.Add(new KeyValuePair<string, string>(field.Key, value));
            }

            return new MaildirName(Base, fields, InfoSeparator, Info);
        }

        /// <summary>
        /// Reads <paramref name="message"/> to its end and returns its size and its virtual size, in which every line
        /// end counts as CRLF: a CRLF is 2 bytes, a bare LF is 2 as well.
        /// </summary>
        public static (long Size, long VirtualSize) Measure(Stream message)
        {
            ArgumentNullException.ThrowIfNull(message);
            var buffer = new byte[1 << 16];
            long size = 0;
            long bareLineFeeds = 0;
            var previous = (byte)0;
            int read;
            while ((read = message.Read(buffer, 0, buffer.Length)) > 0)
            {
                var span = buffer.AsSpan(0, read);
                size += read;
                for (var at = span.IndexOf((byte)'\n'); at >= 0; at = NextLineFeed(span, at))
                {
                    var before = at == 0 ? previous : span[at - 1];
                    if (before != (byte)'\r')
                    {
                        bareLineFeeds++;
                    }
                }

                previous = span[^1];
            }

            return (size, size + bareLineFeeds);
        }

        /// <summary>The size and virtual size of the file at <paramref name="path"/>; see <see cref="Measure(Stream)"/>.</summary>
        public static (long Size, long VirtualSize) Measure(string path)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return Measure(file);
        }

        /// <summary>The file name.</summary>
        public override string ToString() => InfoSeparator is { } separator ? Unique + separator + Info : Unique;

        private static int NextLineFeed(ReadOnlySpan<byte> span, int at)
        {
            var next = span[(at + 1)..].IndexOf((byte)'\n');
            return next < 0 ? -1 : at + 1 + next;
        }

        private long? NumberOf(string key)
        {
            foreach (var field in Fields)
            {
                if (field.Key == key)
                {
                    return long.TryParse(field.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
                }
            }

            return null;
        }

        // ':' always starts the info part (the Maildir definition); '!' and ';' only when an info version follows, since
        // they are the Windows stand-ins and could otherwise be taken from an odd host name.
        private static int SeparatorIndex(string fileName)
        {
            var colon = fileName.IndexOf(StandardSeparator, StringComparison.Ordinal);
            if (colon >= 0)
            {
                return colon;
            }

            for (var at = 0; at < fileName.Length - 2; at++)
            {
                if (fileName[at] is '!' or ';' && fileName[at + 1] is '1' or '2' && fileName[at + 2] == ',')
                {
                    return at;
                }
            }

            return -1;
        }

        // A unique part whose tail is not all "X=value" fields is kept whole: what is not understood is not rewritten.
        private static (string Base, IReadOnlyList<KeyValuePair<string, string>> Fields) SplitFields(string unique)
        {
            var comma = unique.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0)
            {
                return (unique, Array.Empty<KeyValuePair<string, string>>());
            }

            var fields = new List<KeyValuePair<string, string>>();
            foreach (var piece in unique[(comma + 1)..].Split(','))
            {
                var equals = piece.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    return (unique, Array.Empty<KeyValuePair<string, string>>());
                }

                fields.Add(new KeyValuePair<string, string>(piece[..equals], piece[(equals + 1)..]));
            }

            return (unique[..comma], fields);
        }
    }
}
