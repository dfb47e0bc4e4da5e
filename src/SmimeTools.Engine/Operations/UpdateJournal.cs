using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// The journal of an encryption update in one folder or mbox file: a line for each message done, with its digests
    /// before and after and the size and time the new file was left with, so a rerun passes over what is done without
    /// reading it again. Each line is on disk before the next message starts; a line cut short by a crash is ignored.
    /// </summary>
    internal sealed class UpdateJournal : IDisposable
    {
        /// <summary>The journal's file name in a folder of messages; beside an mbox file it is prefixed with the mbox's name.</summary>
        public const string FileName = ".smimetools-update.journal";

        private readonly Dictionary<string, Entry> _done = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Path, string Digest)> _pending = new(StringComparer.Ordinal);
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
                    else if (line.Split('\t') is ["swap", { } key, { } contentPath, { } digest])
                    {
                        _pending[Uri.UnescapeDataString(key)] = (Uri.UnescapeDataString(contentPath), digest);
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

        /// <summary>True when the journal says <paramref name="key"/> was done and its file is still as it was left.</summary>
        public bool IsDone(string key, FileInfo file)
        {
            file.Refresh();
            Entry? entry;
            lock (_gate)
            {
                _done.TryGetValue(key, out entry);
            }

            return entry != null && file.Exists && file.Length == entry.Size && file.LastWriteTimeUtc.Ticks == entry.WrittenTicks;
        }

        /// <summary>Records that <paramref name="key"/> is done, and makes the line durable.</summary>
        public void Record(string key, byte[] before, byte[] after, FileInfo file)
        {
            file.Refresh();
            var entry = new Entry(key, Convert.ToHexString(before), Convert.ToHexString(after), file.Length, file.LastWriteTimeUtc.Ticks);
            var line = Encoding.UTF8.GetBytes(entry.ToLine());
            lock (_gate)
            {
                _file.Write(line);
                _file.Flush(flushToDisk: true);
                _done[key] = entry;
                _pending.Remove(key);
            }
        }

        /// <summary>
        /// Records, before an mbox file is overwritten in place, where its complete new content waits and its digest, so a
        /// run cut short during the copy finishes it from there.
        /// </summary>
        public void RecordSwap(string key, string newContentPath, byte[] digest)
        {
            var line = Encoding.UTF8.GetBytes(string.Join('\t', "swap", Uri.EscapeDataString(key), Uri.EscapeDataString(newContentPath), Convert.ToHexString(digest)) + "\n");
            lock (_gate)
            {
                _file.Write(line);
                _file.Flush(flushToDisk: true);
                _pending[key] = (newContentPath, Convert.ToHexString(digest));
            }
        }

        /// <summary>A swap recorded for <paramref name="key"/> and not finished: where the new content is and its digest.</summary>
        public bool TryGetSwap(string key, out string newContentPath, out byte[] digest)
        {
            (string Path, string Digest) swap;
            bool found;
            lock (_gate)
            {
                found = _pending.TryGetValue(key, out swap);
            }

            if (found)
            {
                newContentPath = swap.Path;
                digest = Convert.FromHexString(swap.Digest);
                return true;
            }

            newContentPath = string.Empty;
            digest = Array.Empty<byte>();
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
                return !_done.ContainsKey(key) && _mboxProgress.TryGetValue(key, out var entries) && entries[0].Before == digest
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

        private sealed record Entry(string Key, string Before, string After, long Size, long WrittenTicks)
        {
            public string ToLine() => string.Join('\t', "done", Uri.EscapeDataString(Key), Before, After,
                Size.ToString(CultureInfo.InvariantCulture), WrittenTicks.ToString(CultureInfo.InvariantCulture)) + "\n";

            public static bool TryParse(string line, out Entry entry)
            {
                var fields = line.Split('\t');
                entry = null!;
                if (fields.Length != 6 || fields[0] != "done"
                    || !long.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                    || !long.TryParse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
                {
                    return false;
                }

                entry = new Entry(Uri.UnescapeDataString(fields[1]), fields[2], fields[3], size, ticks);
                return true;
            }
        }
    }
}
