using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Moves archives to new keys and loses nothing: each message is rewritten to a temporary file, checked as read back
    /// from disk, renamed over the original and recorded in the folder's journal, so an interrupted job resumes where it
    /// stopped and never rewrites a message twice. Messages it cannot update are left as they are and reported.
    /// </summary>
    public sealed class EncryptionUpdateJob : IDisposable
    {
        private readonly EncryptionUpdateOptions _options;
        private readonly Dictionary<string, UpdateJournal> _journals = new(StringComparer.Ordinal);
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public EncryptionUpdateJob(EncryptionUpdateOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
        }

        public EncryptionUpdateSummary Summary { get; } = new();

        /// <summary>Updates one message file (.eml, .p7m, a Maildir message) in place.</summary>
        /// <exception cref="SmimeException">Why the message was left as it is; it is counted as failed.</exception>
        public MessageUpdate UpdateFile(string path, CancellationToken cancellationToken = default)
        {
            var file = new FileInfo(Path.GetFullPath(path));
            return Counted(file.Length, () =>
            {
                var journal = JournalFor(file.DirectoryName!);
                if (journal.IsDone(file.Name, file))
                {
                    return new MessageUpdate
                    {
                        Path = file.FullName, State = MessageUpdateState.Skipped, Reason = "done by an earlier run of this job", BytesBefore = file.Length,
                    };
                }

                var before = Digest(file.FullName, cancellationToken);
                using var replacement = FileReplacement.Begin(file.FullName);
                var update = MessageEncryptionUpdater.Update(MessageInput.FromFile(file.FullName), _options, replacement.Stream, cancellationToken);
                if (update.State != MessageUpdateState.Updated)
                {
                    return update;
                }

                string? how = null;
                replacement.Commit(written => how = MessageEncryptionUpdater.Check(written, update, _options, cancellationToken));
                journal.Record(file.Name, before, update.DigestAfter!, file);
                return With(update, how);
            });
        }

        public void Dispose()
        {
            foreach (var journal in _journals.Values)
            {
                journal.Dispose();
            }

            _journals.Clear();
        }

        /// <summary>Counts the outcome in the summary; a failure is counted and passed on.</summary>
        private MessageUpdate Counted(long bytes, Func<MessageUpdate> work)
        {
            Summary.Bytes += bytes;
            try
            {
                var update = work();
                if (update.State == MessageUpdateState.Updated)
                {
                    Summary.Updated++;
                    Summary.BytesWritten += update.BytesAfter;
                    if (update.OpenedBy != null)
                    {
                        Summary.KeyCounts[update.OpenedBy] = Summary.KeyCounts.GetValueOrDefault(update.OpenedBy) + 1;
                    }
                }
                else
                {
                    Summary.Skipped++;
                }

                return update;
            }
            catch (SmimeException)
            {
                Summary.Failed++;
                throw;
            }
            finally
            {
                Summary.Duration = _clock.Elapsed;
            }
        }

        private UpdateJournal JournalFor(string folder)
        {
            if (!_journals.TryGetValue(folder, out var journal))
            {
                journal = UpdateJournal.Open(Path.Combine(folder, UpdateJournal.FileName));
                _journals[folder] = journal;
            }

            return journal;
        }

        private static byte[] Digest(string path, CancellationToken cancellationToken)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer.AsSpan(0, read));
            }

            return hash.GetHashAndReset();
        }

        private static MessageUpdate With(MessageUpdate update, string? how) => new()
        {
            Path = update.Path, Index = update.Index, State = update.State, OpenedBy = update.OpenedBy, KeyThumbprint = update.KeyThumbprint,
            AlgorithmBefore = update.AlgorithmBefore, AlgorithmAfter = update.AlgorithmAfter, WasWeak = update.WasWeak,
            RecipientsBefore = update.RecipientsBefore, RecipientsAfter = update.RecipientsAfter, Added = update.Added, Removed = update.Removed,
            BytesBefore = update.BytesBefore, BytesAfter = update.BytesAfter, DigestAfter = update.DigestAfter, Checked = how,
        };
    }
}
