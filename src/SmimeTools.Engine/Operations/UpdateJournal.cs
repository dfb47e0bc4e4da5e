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

        public void Dispose() => _file.Dispose();

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
