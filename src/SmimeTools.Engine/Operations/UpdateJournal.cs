using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// The journal of an encryption update in one folder or mbox file: a line for each message done, with its digests
    /// before and after and the size and time the new file was left with, so a rerun passes over what is done without
    /// reading it again. Each line is on disk before the next message (or, for message files, the next batch) is reported;
    /// a line cut short by a crash is ignored.
    /// </summary>
    internal sealed class UpdateJournal : IDisposable
    {
        /// <summary>The journal's file name in a folder of messages; beside an mbox file it is prefixed with the mbox's name.</summary>
        public const string FileName = ".smimetools-update.journal";

        private readonly Dictionary<string, Entry> _done = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Path, string Digest, int[] Retry)> _pending = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<MboxEntry>> _mboxProgress = new(StringComparer.Ordinal);
        private readonly FileStream _file;

        // Workers of a parallel job share the journal of a folder.
        private readonly object _gate = new();

        private UpdateJournal(string path)
        {
            Path = path;
            _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            using (var reader = new StreamReader(_file, Encoding.UTF8, false, 4096, leaveOpen: true))
            {
                while (reader.ReadLine() is { } line)
                {
                    if (Entry.TryParse(line, out var entry))
                    {
                        _done[entry.Key] = entry;
                        _pending.Remove(entry.Key);
                    }
                    else if (line.Split('\t') is ["swap", { } key, { } contentPath, { } digest, .. var rest] && rest.Length <= 1
                        && TryParseIndexes(rest.Length == 0 ? string.Empty : rest[0], out var retry))
                    {
                        _pending[Uri.UnescapeDataString(key)] = (Uri.UnescapeDataString(contentPath), digest, retry);
                    }
                    else if (MboxEntry.TryParse(line, out var mboxEntry))
                    {
                        AddProgress(mboxEntry);
                    }
                }
            }

            // A torn last line (no line end) is cut off, so what is appended starts a line of its own.
            var length = _file.Length;
            if (length > 0)
            {
                _file.Position = length - 1;
                if (_file.ReadByte() != '\n')
                {
                    var text = File.ReadAllBytes(path);
                    var lastEnd = Array.LastIndexOf(text, (byte)'\n');
                    _file.SetLength(lastEnd + 1);
                }
            }

            _file.Position = _file.Length;
        }

        public string Path { get; }

        /// <summary>Opens (or starts) the journal at <paramref name="path"/>.</summary>
        public static UpdateJournal Open(string path) => new(path);

        /// <summary>True when the journal says <paramref name="key"/> was done, with nothing left to try again, and its file is still as it was left.</summary>
        public bool IsDone(string key, FileInfo file) => LeftAsItWas(key, file) is { Retry.Length: 0 };

        /// <summary>
        /// The messages of the mbox <paramref name="key"/> that could not be updated when it was last rewritten, while the mbox is
        /// still as that rewrite left it; null when it is not (or was never rewritten): then every message is looked at.
        /// </summary>
        public IReadOnlySet<int>? Retry(string key, FileInfo file) => LeftAsItWas(key, file) is { Retry.Length: > 0 } entry ? new HashSet<int>(entry.Retry) : null;

        private Entry? LeftAsItWas(string key, FileInfo file)
        {
            file.Refresh();
            Entry? entry;
            lock (_gate)
            {
                _done.TryGetValue(key, out entry);
            }

            return entry != null && file.Exists && file.Length == entry.Size && file.LastWriteTimeUtc.Ticks == entry.WrittenTicks ? entry : null;
        }

        /// <summary>
        /// Records that <paramref name="key"/> is done, and makes the line durable; for an mbox, <paramref name="retry"/> numbers
        /// the messages that could not be updated, which a rerun tries again.
        /// </summary>
        public void Record(string key, byte[] before, byte[] after, FileInfo file, IReadOnlyCollection<int>? retry = null)
        {
            file.Refresh();
            Append(new[] { new Entry(key, Convert.ToHexString(before), Convert.ToHexString(after), file.Length, file.LastWriteTimeUtc.Ticks, retry?.Order().ToArray() ?? Array.Empty<int>()) });
        }

        /// <summary>Records that each message file of a batch is done, as <see cref="Record"/> does, with one write and one flush to disk.</summary>
        public void RecordAll(IReadOnlyList<(string Key, byte[] Before, byte[] After, FileInfo File)> done)
        {
            ArgumentNullException.ThrowIfNull(done);
            Append(done.Select(d =>
            {
                d.File.Refresh();
                return new Entry(d.Key, Convert.ToHexString(d.Before), Convert.ToHexString(d.After), d.File.Length, d.File.LastWriteTimeUtc.Ticks, Array.Empty<int>());
            }).ToArray());
        }

        private void Append(IReadOnlyList<Entry> entries)
        {
            if (entries.Count == 0)
            {
                return;
            }

            var lines = Encoding.UTF8.GetBytes(string.Concat(entries.Select(e => e.ToLine())));
            lock (_gate)
            {
                _file.Write(lines);
                _file.Flush(flushToDisk: true);
                foreach (var entry in entries)
                {
                    _done[entry.Key] = entry;
                    _pending.Remove(entry.Key);
                }
            }
        }

        /// <summary>
        /// Records, before an mbox file is overwritten in place, where its complete new content waits and its digest, so a
        /// run cut short during the copy finishes it from there.
        /// </summary>
        public void RecordSwap(string key, string newContentPath, byte[] digest, IReadOnlyCollection<int> retry)
        {
            var sorted = retry.Order().ToArray();
            var fields = new List<string> { "swap", Uri.EscapeDataString(key), Uri.EscapeDataString(newContentPath), Convert.ToHexString(digest) };
            if (sorted.Length > 0)
            {
                fields.Add(FormatIndexes(sorted));
            }

            var line = Encoding.UTF8.GetBytes(string.Join('\t', fields) + "\n");
            lock (_gate)
            {
                _file.Write(line);
                _file.Flush(flushToDisk: true);
                _pending[key] = (newContentPath, Convert.ToHexString(digest), sorted);
            }
        }

        /// <summary>
        /// A swap recorded for <paramref name="key"/> and not finished: where the new content is, its digest, and the messages
        /// in it that could not be updated.
        /// </summary>
        public bool TryGetSwap(string key, out string newContentPath, out byte[] digest, out IReadOnlyCollection<int> retry)
        {
            (string Path, string Digest, int[] Retry) swap;
            bool found;
            lock (_gate)
            {
                found = _pending.TryGetValue(key, out swap);
            }

            if (found)
            {
                newContentPath = swap.Path;
                digest = Convert.FromHexString(swap.Digest);
                retry = swap.Retry;
                return true;
            }

            newContentPath = string.Empty;
            digest = Array.Empty<byte>();
            retry = Array.Empty<int>();
            return false;
        }

        /// <summary>
        /// Records that message <paramref name="entry"/> of an mbox being rewritten is in its new content, so a run cut short
        /// goes on after it. Not forced to disk: after a crash that loses it, the new content's digest no longer matches and
        /// the mbox is done again from the start, which is slower but loses nothing (the old mbox is untouched until the swap).
        /// </summary>
        public void RecordMboxEntry(MboxEntry entry)
        {
            var line = Encoding.UTF8.GetBytes(entry.ToLine());
            lock (_gate)
            {
                _file.Write(line);
                _file.Flush(flushToDisk: false);
                AddProgress(entry);
            }
        }

        /// <summary>
        /// The messages an interrupted run wrote into the new content of the mbox <paramref name="key"/>, when it read the
        /// same mbox (<paramref name="before"/> is the digest of the whole old mbox), in order; empty when there are none.
        /// </summary>
        public IReadOnlyList<MboxEntry> MboxProgress(string key, byte[] before)
        {
            var digest = Convert.ToHexString(before);
            lock (_gate)
            {
                // A rerun that tries again what an earlier rewrite could not update goes on as any other; a finished one has nothing to go on with.
                return !(_done.TryGetValue(key, out var done) && done.Retry.Length == 0) && _mboxProgress.TryGetValue(key, out var entries) && entries[0].Before == digest
                    ? entries.ToArray()
                    : Array.Empty<MboxEntry>();
            }
        }

        private void AddProgress(MboxEntry entry)
        {
            // A run that read another mbox content, or started over, begins a new list.
            if (!_mboxProgress.TryGetValue(entry.Key, out var entries) || entries[^1].Before != entry.Before || entry.Index <= entries[^1].Index)
            {
                _mboxProgress[entry.Key] = entries = new List<MboxEntry>();
            }

            entries.Add(entry);
        }

        public void Dispose() => _file.Dispose();

        /// <summary>
        /// One message of an mbox rewrite: the old mbox's digest, the message's number and where it ends in the old mbox,
        /// the length and digest of the new content once it was written there, and what was done with it (null: it could not be
        /// updated and was copied as it was).
        /// </summary>
        internal sealed record MboxEntry(string Key, string Before, int Index, long OldEnd, long NewLength, string NewDigest, MessageUpdateState? State)
        {
            // A message that could not be updated (an error, not a state) and was copied as it was.
            private const string Failed = "Failed";

            public string ToLine() => string.Join('\t', "mbox", Uri.EscapeDataString(Key), Before, Index.ToString(CultureInfo.InvariantCulture),
                OldEnd.ToString(CultureInfo.InvariantCulture), NewLength.ToString(CultureInfo.InvariantCulture), NewDigest, State?.ToString() ?? Failed) + "\n";

            public static bool TryParse(string line, out MboxEntry entry)
            {
                var fields = line.Split('\t');
                entry = null!;
                if (fields.Length != 8 || fields[0] != "mbox"
                    || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    || !long.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var oldEnd)
                    || !long.TryParse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture, out var newLength)
                    || !(fields[7] == Failed || Enum.TryParse<MessageUpdateState>(fields[7], out _)))
                {
                    return false;
                }

                var state = fields[7] == Failed ? (MessageUpdateState?)null : Enum.Parse<MessageUpdateState>(fields[7]);
                entry = new MboxEntry(Uri.UnescapeDataString(fields[1]), fields[2], index, oldEnd, newLength, fields[6], state);
                return true;
            }
        }

        // Message numbers of an mbox, as "2,5,9"; none is the empty string.
        private static string FormatIndexes(IEnumerable<int> indexes) => string.Join(',', indexes.Select(i => i.ToString(CultureInfo.InvariantCulture)));

        private static bool TryParseIndexes(string text, out int[] indexes)
        {
            indexes = Array.Empty<int>();
            if (text.Length == 0)
            {
                return true;
            }

            var parts = text.Split(',');
            var parsed = new int[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out parsed[i]))
                {
                    return false;
                }
            }

            indexes = parsed;
            return true;
        }

        /// <summary>
        /// A message file, or an mbox file, done: its digests before and after, the size and time it was left with, and for an
        /// mbox the messages that could not be updated (a seventh field, left out when there are none, so a journal of
        /// fully done files reads as before).
        /// </summary>
        private sealed record Entry(string Key, string Before, string After, long Size, long WrittenTicks, int[] Retry)
        {
            public string ToLine() => string.Join('\t', new[] { "done", Uri.EscapeDataString(Key), Before, After,
                Size.ToString(CultureInfo.InvariantCulture), WrittenTicks.ToString(CultureInfo.InvariantCulture) }
                .Concat(Retry.Length > 0 ? new[] { FormatIndexes(Retry) } : Array.Empty<string>())) + "\n";

            public static bool TryParse(string line, out Entry entry)
            {
                var fields = line.Split('\t');
                entry = null!;
                var retry = Array.Empty<int>();
                if (fields.Length is not (6 or 7) || fields[0] != "done"
                    || !long.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                    || !long.TryParse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                    || (fields.Length == 7 && (!TryParseIndexes(fields[6], out retry) || retry.Length == 0)))
                {
                    return false;
                }

                entry = new Entry(Uri.UnescapeDataString(fields[1]), fields[2], fields[3], size, ticks, retry);
                return true;
            }
        }
    }
}
