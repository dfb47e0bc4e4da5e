using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using SmimeTools.Engine.IO;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// The state file of an enrolment (JSON): every request made, where its key is and where it stands. It is
    /// rewritten atomically after every change, so a run stopped at any point resumes from it without a second key.
    /// </summary>
    public sealed class EnrolmentState
    {
        private const int FormatVersion = 1;

        private static readonly JsonSerializerOptions Json = new()
        {
            WriteIndented = true,

            // A file for people and scripts, never for a web page: PEM's '+' stays '+'.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter() },
        };

        private readonly List<EnrolmentEntry> _entries;

        private EnrolmentState(string? path, List<EnrolmentEntry> entries)
        {
            Path = path;
            _entries = entries;
        }

        /// <summary>The file, or null for a state kept in memory only (no -StateFile).</summary>
        public string? Path { get; }

        public IReadOnlyList<EnrolmentEntry> Entries => _entries;

        /// <summary>A state that lives only as long as the run.</summary>
        public static EnrolmentState InMemory() => new(null, new List<EnrolmentEntry>());

        /// <summary>Reads the state file, or starts an empty one when it does not exist yet; InvalidStateFile when it cannot be read.</summary>
        public static EnrolmentState Open(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            var full = System.IO.Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                return new EnrolmentState(full, new List<EnrolmentEntry>());
            }

            StateDocument? document;
            try
            {
                document = JsonSerializer.Deserialize<StateDocument>(File.ReadAllBytes(full), Json);
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw Invalid(full, e.Message, e);
            }

            if (document == null || document.Version != FormatVersion || document.Requests == null)
            {
                throw Invalid(full, $"it is not an enrolment state file of version {FormatVersion}", null);
            }

            if (document.Requests.Any(r => string.IsNullOrEmpty(r.Email) || string.IsNullOrEmpty(r.PublicKeyHash) && r.Status != EnrolmentStatus.Failed))
            {
                throw Invalid(full, "a request in it has no address or no public key", null);
            }

            return new EnrolmentState(full, document.Requests);
        }

        /// <summary>The entry of one user's request of one purpose, or null.</summary>
        public EnrolmentEntry? Find(string email, RequestPurpose purpose) =>
            _entries.FirstOrDefault(e => e.Purpose == purpose && string.Equals(e.Email, email, StringComparison.OrdinalIgnoreCase));

        /// <summary>The entry whose key is the other half of this public key (SHA-256 of its bits, hex), or null.</summary>
        public EnrolmentEntry? FindByPublicKey(string publicKeyHash) =>
            _entries.FirstOrDefault(e => e.Status != EnrolmentStatus.Failed && string.Equals(e.PublicKeyHash, publicKeyHash, StringComparison.OrdinalIgnoreCase));

        /// <summary>Adds the entry, or replaces the one of the same user and purpose, and saves.</summary>
        public void Put(EnrolmentEntry entry)
        {
            ArgumentNullException.ThrowIfNull(entry);
            entry.Updated = DateTimeOffset.UtcNow;
            var index = _entries.FindIndex(e => e.Purpose == entry.Purpose && string.Equals(e.Email, entry.Email, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                _entries[index] = entry;
            }
            else
            {
                _entries.Add(entry);
            }

            Save();
        }

        /// <summary>Writes the file: temporary file, fsync, rename (owner-only: it names key files and tokens).</summary>
        public void Save()
        {
            if (Path == null)
            {
                return;
            }

            var bytes = JsonSerializer.SerializeToUtf8Bytes(new StateDocument { Version = FormatVersion, Requests = _entries }, Json);
            using var writer = AtomicFileWriter.Create(Path, overwrite: true, privateFile: true);
            try
            {
                writer.Stream.Write(bytes);
                writer.Commit();
            }
            catch (IOException e)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"Cannot write the enrolment state file '{Path}': {e.Message}", "Check the free space and that you may write there.", Path, e);
            }
        }

        private static SmimeException Invalid(string path, string why, Exception? inner) =>
            new(ErrorIds.InvalidStateFile, SmimeErrorKind.InvalidData,
                $"The enrolment state file '{path}' cannot be read: {why}. Nothing was changed.",
                "Give the state file an earlier run wrote, or a new file name to start a new enrolment.", path, inner);

        private sealed class StateDocument
        {
            public int Version { get; set; }

            public List<EnrolmentEntry>? Requests { get; set; }
        }
    }
}
