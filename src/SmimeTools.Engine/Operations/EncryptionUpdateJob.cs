using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using SmimeTools.Engine.Policy;
using System.Threading;
using System.Threading.Tasks;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Moves archives to new keys and loses nothing: each message is rewritten to a temporary file, checked as read back
    /// from disk, renamed over the original and recorded in the folder's journal (message files in batches that share the
    /// waits for the disk, <see cref="RewriteBatch"/>), so an interrupted job resumes where it stopped and never rewrites a
    /// message twice. Messages it cannot update are left as they are and reported.
    /// </summary>
    public sealed class EncryptionUpdateJob : IDisposable
    {
        private readonly EncryptionUpdateOptions _options;
        private readonly Dictionary<string, UpdateJournal> _journals = new(StringComparer.Ordinal);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly string _job;
        private readonly DateTime _started = DateTime.UtcNow;
        private readonly HashSet<string> _swept = new(StringComparer.Ordinal);

        // The name FileReplacement gives a temporary file: "." + the message's name + "." + 12 hex digits + ".tmp".
        private static readonly System.Text.RegularExpressions.Regex LeftoverName = new(@"^\.(.+)\.[0-9a-f]{12}\.tmp$");

        // The name TemporaryFile gives a scratch file.
        private static readonly System.Text.RegularExpressions.Regex ScratchName = new(@"^\.smimetools-[0-9a-f]{32}\.tmp$");

        // Workers of a parallel job share the summary and the journals.
        private readonly object _gate = new();

        /// <exception cref="SmimeException">The new recipients fail the checks Protect-SmimeMessage makes (expired, wrong key usage, weak key or cipher).</exception>
        public EncryptionUpdateJob(EncryptionUpdateOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            // Token keys take turns between workers; software keys are shared as they are.
            _options = options with
            {
                OldKeys = options.OldKeys.Select(SerializedKeyDecryptor.For).ToArray(),
                CheckKeys = options.CheckKeys.Select(SerializedKeyDecryptor.For).ToArray(),
            };
            if (options.Recipients.Count == 0 && options.RemoveRecipients.Count == 0 && options.Mode == Policy.EncryptionUpdateMode.AddRecipient)
            {
                throw new SmimeException(ErrorIds.NothingToDo, SmimeErrorKind.InvalidArgument, "Nothing to do: no new recipient was given.", "Give the new recipients with -To.");
            }

            // Journal entries belong to one job: the same mode, algorithm, new and removed recipients.
            var what = string.Join('|', options.Mode, options.Mode == Policy.EncryptionUpdateMode.Reencrypt ? options.ContentEncryption.ToString() : string.Empty,
                string.Join(',', options.Recipients.Select(c => c.Thumbprint).Order(StringComparer.Ordinal)),
                string.Join(',', options.RemoveRecipients.Select(c => c.Thumbprint).Order(StringComparer.Ordinal)));
            _job = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(what)))[..16];
            // The new recipients pass the checks Protect makes; a job that only removes recipients has none to check.
            if (options.Recipients.Count == 0)
            {
                return;
            }

            ProtectionChecks.Check(new ProtectOptions
            {
                Recipients = options.Recipients,
                ContentEncryption = options.Mode == Policy.EncryptionUpdateMode.Reencrypt ? options.ContentEncryption : Policy.AlgorithmPolicy.DefaultContentEncryption,
                KeyEncryption = options.KeyEncryption,
                AllowWeakAlgorithm = options.AllowWeakAlgorithm,
            }, DateTimeOffset.UtcNow);
        }

        public EncryptionUpdateSummary Summary { get; } = new();

        /// <summary>
        /// What <paramref name="path"/> holds: itself as a message file or an mbox file (which starts with a "From " line); for
        /// a folder, its files, or its messages in cur/ and new/ when it is a Maildir; with <paramref name="recurse"/>, the
        /// same for every folder below (Maildir++ folders too). Hidden files (journals, temporary files) are passed over, and
        /// so are dot-lock files (a file's name + ".lock" beside it, as a job killed while it held an mbox leaves it).
        /// </summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.PathNotFound"/>.</exception>
        public static IEnumerable<ArchiveItem> Find(string path, bool recurse)
        {
            var full = Path.GetFullPath(path);
            if (File.Exists(full))
            {
                if (IsDotlock(full))
                {
                    yield break;
                }

                var length = new FileInfo(full).Length;
                yield return new ArchiveItem(full, IsMbox(full) ? ArchiveItemKind.Mbox : ArchiveItemKind.MessageFile, length);
                yield break;
            }

            if (!Directory.Exists(full))
            {
                throw new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound,
                    $"Cannot find the path '{full}' because it does not exist.", "Check the spelling of the path.", full);
            }

            if (IsMaildir(full))
            {
                foreach (var box in new[] { "cur", "new" })
                {
                    foreach (var file in Visible(Directory.EnumerateFiles(Path.Combine(full, box))))
                    {
                        yield return new ArchiveItem(file, ArchiveItemKind.MaildirMessage, new FileInfo(file).Length) { Maildir = full };
                    }
                }

                if (recurse)
                {
                    // Maildir++ keeps its folders as hidden Maildirs inside the top one (.Sent, .Archive.2016).
                    foreach (var folder in Directory.EnumerateDirectories(full, ".*").Order(StringComparer.Ordinal).Where(IsMaildir))
                    {
                        foreach (var item in Find(folder, recurse))
                        {
                            yield return item;
                        }
                    }
                }

                yield break;
            }

            foreach (var file in Visible(Directory.EnumerateFiles(full)))
            {
                yield return new ArchiveItem(file, IsMbox(file) ? ArchiveItemKind.Mbox : ArchiveItemKind.MessageFile, new FileInfo(file).Length);
            }

            if (recurse)
            {
                foreach (var folder in Visible(Directory.EnumerateDirectories(full)))
                {
                    foreach (var item in Find(folder, recurse))
                    {
                        yield return item;
                    }
                }
            }
        }

        /// <summary>
        /// Updates every item on up to <paramref name="workers"/> threads; what each item gave (its messages looked at, and the
        /// problems of those that could not be updated) is handed to <paramref name="completed"/> on the calling thread, in the
        /// order of <paramref name="items"/>. Items go in batches of max(16, 4 × workers): the message files and Maildir messages
        /// rewritten in a batch are put in place together (<see cref="RewriteBatch"/>), and each item is handed on once its batch
        /// is durable and journalled. An mbox file is one item, done by one worker and put in place by itself.
        /// While a batch is put in place (its waits for the disk, and the check of each file read back) the next one is
        /// rewritten: at most one batch is being put in place, and results still come in order, each after its batch.
        /// </summary>
        public void UpdateAll(IReadOnlyList<ArchiveItem> items, int workers, Action<ArchiveItem, IReadOnlyList<MessageUpdate>, IReadOnlyList<SmimeException>> completed,
            CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(items);
            ArgumentNullException.ThrowIfNull(completed);
            var size = Math.Max(16, 4 * Math.Max(1, workers));
            PreparedBatch? committing = null;
            try
            {
                for (var start = 0; start < items.Count; start += size)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var batch = new PreparedBatch(items.Skip(start).Take(size).ToList());
                    try
                    {
                        // Each worker keeps what it rewrote where Dispose finds it, even when the job stops before it is handed on.
                        OrderedWork.Run(Enumerable.Range(0, batch.Items.Count).ToList(), workers, i => batch.Outcomes[i] = Prepare(batch.Items[i], cancellationToken),
                            (_, _) => { }, cancellationToken);
                    }
                    catch
                    {
                        batch.Dispose();
                        throw;
                    }

                    try
                    {
                        if (committing != null)
                        {
                            var done = committing;
                            committing = null;
                            HandOn(done, completed);
                        }

                        batch.StartCommit(this, workers, cancellationToken);
                    }
                    catch
                    {
                        batch.Dispose();
                        throw;
                    }

                    committing = batch;
                }

                if (committing != null)
                {
                    var done = committing;
                    committing = null;
                    HandOn(done, completed);
                }
            }
            finally
            {
                // Stopped: the batch being put in place finishes or stops before its renames (then it is thrown away whole).
                committing?.Abandon();
            }
        }

        /// <summary>Waits until <paramref name="batch"/> is in place, counts it, and hands each of its items on.</summary>
        private void HandOn(PreparedBatch batch, Action<ArchiveItem, IReadOnlyList<MessageUpdate>, IReadOnlyList<SmimeException>> completed)
        {
            try
            {
                var failures = batch.WaitForCommit();
                for (var p = 0; p < batch.Pending.Count; p++)
                {
                    try
                    {
                        batch.Pending[p].Updates.Add(Finish(batch.Pending[p].Rewrite!, failures[p], batch.Pending[p].Bytes));
                    }
                    catch (SmimeException e)
                    {
                        batch.Pending[p].Problems.Add(e);
                    }
                }
            }
            finally
            {
                batch.Dispose();
            }

            for (var i = 0; i < batch.Items.Count; i++)
            {
                completed(batch.Items[i], batch.Outcomes[i]!.Updates, batch.Outcomes[i]!.Problems);
            }
        }

        /// <summary>One batch of items: rewritten, then put in place on a thread of its own while the next batch is rewritten.</summary>
        private sealed class PreparedBatch : IDisposable
        {
            private Task<SmimeException?[]>? _commit;

            public PreparedBatch(List<ArchiveItem> items)
            {
                Items = items;
                Outcomes = new Outcome?[items.Count];
            }

            public List<ArchiveItem> Items { get; }

            public Outcome?[] Outcomes { get; }

            /// <summary>The items whose message file waits to be put in place.</summary>
            public List<Outcome> Pending { get; private set; } = new();

            public void StartCommit(EncryptionUpdateJob job, int workers, CancellationToken cancellationToken)
            {
                Pending = Outcomes.Where(o => o!.Rewrite != null).Select(o => o!).ToList();
                var rewrites = Pending.Select(o => o.Rewrite!).ToList();
                _commit = rewrites.Count == 0
                    ? Task.FromResult(Array.Empty<SmimeException?>())
                    : Task.Factory.StartNew(() => RewriteBatch.Commit(rewrites, workers, cancellationToken, job.BatchStep),
                        CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }

            /// <summary>What <see cref="RewriteBatch.Commit"/> gave; its exceptions (a stop before the renames) as they were thrown.</summary>
            public SmimeException?[] WaitForCommit() => _commit!.GetAwaiter().GetResult();

            /// <summary>The job stops: waits for the commit under way (it stops at its last safe moment) and throws the batch away.</summary>
            public void Abandon()
            {
                try
                {
                    _commit?.Wait();
                }
                catch (AggregateException)
                {
                    // The error that stopped the job is the one to report; this batch stopped with it or finished before.
                }
                finally
                {
                    Dispose();
                }
            }

            /// <summary>Removes the temporary files of what was not put in place.</summary>
            public void Dispose()
            {
                foreach (var outcome in Outcomes)
                {
                    outcome?.Rewrite?.Dispose();
                }
            }
        }

        /// <summary>For tests: hears each step of putting a batch in place (its name and the path), in order.</summary>
        internal Action<string, string>? BatchStep { get; init; }

        /// <summary>What one item of a batch gave, and for a rewritten message file, what waits to be put in place.</summary>
        private sealed class Outcome
        {
            public List<MessageUpdate> Updates { get; } = new();

            public List<SmimeException> Problems { get; } = new();

            public PendingRewrite? Rewrite { get; init; }

            public long Bytes { get; init; }
        }

        /// <summary>The first half of updating an item: an mbox file is done whole; a message file is rewritten to its temporary file.</summary>
        private Outcome Prepare(ArchiveItem item, CancellationToken cancellationToken)
        {
            if (item.Kind == ArchiveItemKind.Mbox || !File.Exists(item.Path))
            {
                var whole = new Outcome();
                Update(item, whole.Updates.Add, whole.Problems.Add, cancellationToken);
                return whole;
            }

            var file = new FileInfo(item.Path);
            var bytes = file.Length;
            var outcome = new Outcome();
            try
            {
                var (done, rewrite) = Rewrite(file, item.Kind == ArchiveItemKind.MaildirMessage ? item.Maildir : null, cancellationToken);
                if (rewrite != null)
                {
                    return new Outcome { Rewrite = rewrite, Bytes = bytes };
                }

                Count(bytes, done!);
                outcome.Updates.Add(done!);
            }
            catch (SmimeException e)
            {
                CountFailed(bytes);
                outcome.Problems.Add(e);
            }

            return outcome;
        }

        /// <summary>
        /// Updates what <paramref name="item"/> holds: each message that was looked at goes to <paramref name="done"/>, each that
        /// could not be updated to <paramref name="problem"/> (and is left as it was). Stops only on cancellation.
        /// </summary>
        public void Update(ArchiveItem item, Action<MessageUpdate> done, Action<SmimeException> problem, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(item);
            if (!File.Exists(item.Path))
            {
                // Gone since it was listed (a mail program moved a Maildir message from new/ to cur/): one item's problem, not the job's.
                problem(new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound, $"'{item.Path}' is gone since the job listed it; it was left out.",
                    "Run the job again: it finds the message where it is now.", item.Path));
                return;
            }

            try
            {
                switch (item.Kind)
                {
                    case ArchiveItemKind.Mbox:
                        UpdateMbox(item.Path, done, problem, cancellationToken);
                        break;
                    case ArchiveItemKind.MaildirMessage:
                        done(UpdateMaildirMessage(item.Path, item.Maildir!, cancellationToken));
                        break;
                    default:
                        done(UpdateFile(item.Path, cancellationToken));
                        break;
                }
            }
            catch (SmimeException e)
            {
                problem(e);
            }
        }

        /// <summary>
        /// What <see cref="Update"/> would do to what <paramref name="item"/> holds, for -WhatIf: each message's plan goes to
        /// <paramref name="planned"/>, each it would leave as it is to <paramref name="problem"/>. Opens no key, takes no lock,
        /// writes nothing (not even a journal).
        /// </summary>
        public void Plan(ArchiveItem item, Action<MessageUpdate> planned, Action<SmimeException> problem, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(item);
            ArgumentNullException.ThrowIfNull(planned);
            ArgumentNullException.ThrowIfNull(problem);
            try
            {
                if (item.Kind != ArchiveItemKind.Mbox)
                {
                    planned(MessageEncryptionUpdater.Plan(MessageInput.FromFile(item.Path), _options, cancellationToken));
                    return;
                }

                using var reader = new FileStream(item.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var raw = new FileStream(item.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                foreach (var (_, index, offset, end) in LayerWalker.ReadMbox(reader, item.Path, new EntityOffsets(), problem, _options.Limits, cancellationToken))
                {
                    var start = LineEnd(raw, offset);
                    try
                    {
                        planned(At(MessageEncryptionUpdater.Plan(MessageInput.FromFileRange(item.Path, start, end - start, $"{item.Path} (message {index})"), _options, cancellationToken), item.Path, index, null));
                    }
                    catch (SmimeException e)
                    {
                        problem(e);
                    }
                }
            }
            catch (SmimeException e)
            {
                problem(e);
            }
        }

        /// <summary>Updates one message file (.eml, .p7m) in place.</summary>
        /// <exception cref="SmimeException">Why the message was left as it is; it is counted as failed.</exception>
        public MessageUpdate UpdateFile(string path, CancellationToken cancellationToken = default) => UpdateOne(path, null, cancellationToken);

        /// <summary>Updates one message file, or Maildir message when <paramref name="maildir"/> is given, as a batch of one.</summary>
        private MessageUpdate UpdateOne(string path, string? maildir, CancellationToken cancellationToken)
        {
            var file = new FileInfo(Path.GetFullPath(path));
            var bytes = file.Length;
            (MessageUpdate? Done, PendingRewrite? Pending) rewrite;
            try
            {
                rewrite = Rewrite(file, maildir, cancellationToken);
            }
            catch (SmimeException)
            {
                CountFailed(bytes);
                throw;
            }

            if (rewrite.Pending is not { } pending)
            {
                Count(bytes, rewrite.Done!);
                return rewrite.Done!;
            }

            using (pending)
            {
                return Finish(pending, RewriteBatch.Commit(new[] { pending }, 1, cancellationToken, BatchStep)[0], bytes);
            }
        }

        /// <summary>
        /// Rewrites one message file (a Maildir message when <paramref name="maildir"/> is given) to its temporary file: a message
        /// that needs nothing, or that an earlier run did, comes back done; one rewritten comes back pending, for its batch to check
        /// and put in place. Nothing is counted yet.
        /// </summary>
        /// <exception cref="SmimeException">Why the message was left as it is.</exception>
        private (MessageUpdate? Done, PendingRewrite? Pending) Rewrite(FileInfo file, string? maildir, CancellationToken cancellationToken)
        {
            // A Maildir's journal is at its top and knows a message by its name's unique part, which a change of flags or sizes keeps.
            var name = maildir == null ? null : MaildirName.Parse(file.Name);
            var folder = maildir == null ? file.DirectoryName! : Path.GetFullPath(maildir);
            var journal = JournalFor(folder);
            var key = Keyed(name?.Base ?? file.Name);
            if (name == null)
            {
                RemoveLeftovers(folder, folder);
            }

            if (journal.IsDone(key, file))
            {
                return (new MessageUpdate
                {
                    Path = file.FullName, State = MessageUpdateState.Skipped, Reason = "done by an earlier run of this job", BytesBefore = file.Length,
                }, null);
            }

            string? temporaryFolder = null;
            if (name != null)
            {
                temporaryFolder = Path.Combine(folder, "tmp");
                Directory.CreateDirectory(temporaryFolder);
                RemoveLeftovers(temporaryFolder, Path.Combine(folder, "cur"), Path.Combine(folder, "new"));
            }

            var replacement = FileReplacement.BeginDeferred(file.FullName, temporaryFolder);
            try
            {
                MessageUpdate update;
                byte[] before;
                using (var read = new ReadDigest())
                {
                    update = MessageEncryptionUpdater.Update(MessageInput.FromFile(file.FullName, read), _options, replacement.Stream, cancellationToken);
                    if (update.State != MessageUpdateState.Updated)
                    {
                        replacement.Dispose();
                        return (update, null);
                    }

                    // The original as the rewrite read it, before it is renamed over (the rename refuses it if it changed meanwhile).
                    before = read.Finish(file.FullName, cancellationToken);
                }

                return (null, new PendingRewrite
                {
                    Replacement = replacement, Update = update, Before = before, Journal = journal, Key = key,
                    Check = written =>
                    {
                        var how = MessageEncryptionUpdater.Check(written, update, _options, cancellationToken);
                        if (name == null)
                        {
                            return (how, null);
                        }

                        written.Position = 0;
                        var (size, virtualSize) = MaildirName.Measure(written);
                        return (how, Path.Combine(file.DirectoryName!, name.WithSizes(size, virtualSize).ToString()));
                    },
                });
            }
            catch
            {
                replacement.Dispose();
                throw;
            }
        }

        /// <summary>Counts a rewrite its batch put in place (or could not: <paramref name="failure"/> is then thrown) and says what was done.</summary>
        private MessageUpdate Finish(PendingRewrite rewrite, SmimeException? failure, long bytes)
        {
            if (failure != null)
            {
                CountFailed(bytes);
                throw failure;
            }

            var update = With(rewrite.Update, rewrite.How, rewrite.Replacement.Destination);
            Count(bytes, update);
            return update;
        }

        private static IEnumerable<string> Visible(IEnumerable<string> paths) =>
            paths.Where(p => !Path.GetFileName(p).StartsWith('.') && !IsDotlock(p)).Order(StringComparer.Ordinal);

        // A mailbox's dot-lock (ours, mutt's, Dovecot's, procmail's) is no message: taken for one, it was counted as a failure,
        // and gone (its lock released) by the time it was read, it stopped the job.
        private static bool IsDotlock(string path) =>
            path.EndsWith(".lock", StringComparison.Ordinal) && path.Length > ".lock".Length && File.Exists(path[..^".lock".Length]);

        private static bool IsMaildir(string folder) => Directory.Exists(Path.Combine(folder, "cur")) && Directory.Exists(Path.Combine(folder, "new"));

        private static bool IsMbox(string file)
        {
            Span<byte> head = stackalloc byte[5];
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual("From "u8);
        }

        /// <summary>
        /// Updates one message of a Maildir folder: written under tmp/, renamed into place, with the S= and W= sizes of its
        /// name recomputed and its flags kept. The journal (at the Maildir's top) knows it by the name's unique part.
        /// </summary>
        public MessageUpdate UpdateMaildirMessage(string path, string maildir, CancellationToken cancellationToken = default) =>
            UpdateOne(path, maildir, cancellationToken);

        /// <summary>
        /// Updates every message of an mbox file while it is locked as mutt and Dovecot lock it. A complete new mbox is written
        /// beside it from a snapshot and checked; only then is it copied over the old one in place (renaming would strand
        /// programs waiting for the lock on the old file), with the journal saying where the new content is until that is done.
        /// </summary>
        public void UpdateMbox(string path, Action<MessageUpdate> done, Action<SmimeException> problem, CancellationToken cancellationToken = default)
        {
            var file = new FileInfo(Path.GetFullPath(path));
            var folder = file.DirectoryName!;
            var journal = JournalFor(folder);
            var key = Keyed("mbox:" + file.Name);
            if (journal.IsDone(key, file))
            {
                lock (_gate)
                {
                    Summary.Skipped++;
                }

                done(new MessageUpdate { Path = file.FullName, State = MessageUpdateState.Skipped, Reason = "done by an earlier run of this job", BytesBefore = file.Length });
                return;
            }

            using var mailbox = MboxLock.Acquire(file.FullName, cancellationToken: cancellationToken);
            var newContent = Path.Combine(folder, "." + file.Name + ".smimetools-new");
            var snapshotPath = Path.Combine(folder, "." + file.Name + ".smimetools-snapshot");
            RemoveScratchLeftovers(folder);
            if (journal.TryGetSwap(key, out var pending, out var pendingDigest, out var pendingRetry) && File.Exists(pending)
                && Digest(pending, cancellationToken).AsSpan().SequenceEqual(pendingDigest))
            {
                // A run stopped while copying the checked new content over the old: finish it, and drop the snapshot it left.
                Swap(mailbox, pending, journal, key, Digest(mailbox.Stream, cancellationToken), pendingDigest, file, pendingRetry);
                File.Delete(snapshotPath);
                return;
            }

            // Named after the mbox and made while it is locked, so a snapshot a killed run left is simply replaced.
            using var snapshot = TemporaryFile.CreateAt(snapshotPath, shared: true);
            mailbox.Stream.Position = 0;
            var before = CopyHashing(mailbox.Stream, snapshot.Stream, cancellationToken);
            snapshot.Stream.Flush();
            var updated = 0;
            var count = 0;
            // The messages an earlier rewrite of this mbox could not update, while it is as that rewrite left it: only those are
            // tried again, the others are copied as they are. Null: every message is looked at.
            var retry = journal.Retry(key, file);
            // The messages copied as they were because they could not be updated: a rerun tries them again.
            var failed = new List<int>();
            using (var output = new FileStream(newContent, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            using (var hashed = new HashingStream(output, HashAlgorithmName.SHA256))
            {
                // What an interrupted run of this job already wrote into the new content, when it read the same mbox.
                var earlier = Resumable(journal.MboxProgress(key, before), output, hashed, cancellationToken);
                var resumeFrom = earlier.Count == 0 ? 0 : earlier[^1].OldEnd;
                using var reader = new FileStream(snapshot.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var raw = new FileStream(snapshot.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                long copied = resumeFrom;
                var beforeHex = Convert.ToHexString(before);
                foreach (var (_, index, offset, end) in LayerWalker.ReadMbox(reader, file.FullName, new EntityOffsets(), problem, _options.Limits, cancellationToken))
                {
                    count++;
                    var start = LineEnd(raw, offset);
                    if (end <= resumeFrom)
                    {
                        var entry = earlier.FirstOrDefault(e => e.Index == index);
                        if (entry?.State == null)
                        {
                            failed.Add(index);
                        }

                        updated += Replay(entry, snapshot.Path, file.FullName, index, start, end, done, problem, cancellationToken);
                        continue;
                    }

                    CopyRange(raw, hashed, copied, start, cancellationToken);
                    MessageUpdate? update;
                    if (retry != null && !retry.Contains(index))
                    {
                        // Done by the earlier rewrite: copied as it is now, not read again.
                        CopyRange(raw, hashed, start, end, cancellationToken);
                        update = Counted(end - start, () => new MessageUpdate
                        {
                            Path = file.FullName, Index = index, State = MessageUpdateState.Skipped, BytesBefore = end - start, Reason = "done by an earlier run of this job",
                        });
                    }
                    else
                    {
                        update = UpdateMboxMessage(snapshot.Path, file.FullName, index, start, end, hashed, raw, problem, cancellationToken);
                    }

                    if (update != null)
                    {
                        updated += update.State == MessageUpdateState.Updated ? 1 : 0;
                        done(update);
                    }
                    else
                    {
                        failed.Add(index);
                    }

                    copied = end;
                    hashed.Flush();
                    journal.RecordMboxEntry(new UpdateJournal.MboxEntry(key, beforeHex, index, end, output.Position, Convert.ToHexString(hashed.GetCurrentHash()), update?.State));
                }

                CopyRange(raw, hashed, copied, raw.Length, cancellationToken);
                output.SetLength(output.Position);
                output.Flush(flushToDisk: true);
                output.Position = 0;
                var messages = 0;
                foreach (var _ in LayerWalker.ReadMbox(output, newContent, new EntityOffsets(), e => throw e, _options.Limits, cancellationToken))
                {
                    messages++;
                }

                if (messages != count)
                {
                    throw new SmimeException(ErrorIds.RewriteCheckFailed, SmimeErrorKind.InvalidData,
                        $"The new {file.FullName} holds {messages} messages where the old held {count}; the old was left as it is.",
                        "Report this with the mbox file if you can share it.", file.FullName);
                }
            }

            if (updated == 0)
            {
                File.Delete(newContent);
                return;
            }

            Swap(mailbox, newContent, journal, key, before, Digest(newContent, cancellationToken), file, failed);
        }

        /// <summary>
        /// The entries of an interrupted run whose new content is still there as it was left (its digest says so), with
        /// <paramref name="output"/> cut back to their end and <paramref name="hashed"/> holding their digest; otherwise none,
        /// and the new content starts empty.
        /// </summary>
        private static IReadOnlyList<UpdateJournal.MboxEntry> Resumable(IReadOnlyList<UpdateJournal.MboxEntry> earlier, FileStream output, HashingStream hashed,
            CancellationToken cancellationToken)
        {
            if (earlier.Count > 0 && output.Length >= earlier[^1].NewLength)
            {
                output.Position = 0;
                var buffer = new byte[1 << 16];
                var left = earlier[^1].NewLength;
                while (left > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var read = output.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    hashed.HashOnly(buffer.AsSpan(0, read));
                    left -= read;
                }

                if (Convert.ToHexString(hashed.GetCurrentHash()) == earlier[^1].NewDigest)
                {
                    output.SetLength(earlier[^1].NewLength);
                    output.Position = output.Length;
                    return earlier;
                }

                hashed.GetHashAndReset();
            }

            output.SetLength(0);
            output.Position = 0;
            return Array.Empty<UpdateJournal.MboxEntry>();
        }

        /// <summary>
        /// Reports a message an interrupted run already wrote into the new content: rewritten or skipped then, it is skipped
        /// now; one that could not be updated is tried again (not written) so its problem is reported again. Gives 1 when
        /// the message was rewritten, so the mbox is swapped.
        /// </summary>
        private int Replay(UpdateJournal.MboxEntry? entry, string snapshot, string mbox, int index, long start, long end, Action<MessageUpdate> done,
            Action<SmimeException> problem, CancellationToken cancellationToken)
        {
            if (entry?.State is { } state)
            {
                var update = Counted(end - start, () => new MessageUpdate
                {
                    Path = mbox, Index = index, State = MessageUpdateState.Skipped, BytesBefore = end - start,
                    Reason = state == MessageUpdateState.Updated ? "rewritten by an earlier run of this job, put in place now" : "skipped by an earlier run of this job",
                });
                done(update);
                return state == MessageUpdateState.Updated ? 1 : 0;
            }

            // Copied as it was by the earlier run: what it is now is reported, but the copy stays (the new content is past it).
            var again = UpdateMboxMessage(snapshot, mbox, index, start, end, null, null, problem, cancellationToken);
            if (again != null)
            {
                done(again);
            }

            return 0;
        }

        /// <summary>
        /// One message of an mbox snapshot: rewritten and checked into <paramref name="output"/>, or copied as it was; with no
        /// output, only looked at.
        /// </summary>
        private MessageUpdate? UpdateMboxMessage(string snapshot, string mbox, int index, long start, long end, Stream? output, Stream? raw,
            Action<SmimeException> problem, CancellationToken cancellationToken)
        {
            MessageUpdate? update = null;
            try
            {
                update = Counted(end - start, () =>
                {
                    using var scratch = TemporaryFile.Create(Path.GetDirectoryName(snapshot)!);
                    var result = MessageEncryptionUpdater.Update(MessageInput.FromFileRange(snapshot, start, end - start, $"{mbox} (message {index})"), _options, scratch.Stream, cancellationToken);
                    if (result.State != MessageUpdateState.Updated)
                    {
                        return At(result, mbox, index, null);
                    }

                    if (output == null)
                    {
                        // Tried again after an interrupted run copied it as it was: the new content is past it now.
                        return At(result with { State = MessageUpdateState.Skipped, Reason = "left as it was by an interrupted run of this job; run the job again to update it" },
                            mbox, index, null);
                    }

                    scratch.Stream.Flush();
                    var how = MessageEncryptionUpdater.Check(scratch.Rewind(), result, _options, cancellationToken);
                    scratch.Rewind().CopyTo(output, 1 << 16);
                    return At(result, mbox, index, how);
                });
            }
            catch (SmimeException e)
            {
                problem(e);
            }

            if (update?.State != MessageUpdateState.Updated && output != null)
            {
                CopyRange(raw!, output, start, end, cancellationToken);
            }

            return update;
        }

        /// <summary>
        /// Copies the checked new content over the locked mbox in place, then records it done (but for the messages in
        /// <paramref name="retry"/>, which could not be updated) and removes the copy.
        /// </summary>
        private static void Swap(MboxLock mailbox, string newContent, UpdateJournal journal, string key, byte[] before, byte[] after, FileInfo file,
            IReadOnlyCollection<int> retry)
        {
            journal.RecordSwap(key, newContent, after, retry);
            using (var source = new FileStream(newContent, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                mailbox.Stream.Position = 0;
                source.CopyTo(mailbox.Stream, 1 << 16);
                mailbox.Stream.SetLength(source.Length);
                mailbox.Stream.Flush(flushToDisk: true);
            }

            journal.Record(key, before, after, file, retry);
            File.Delete(newContent);
            FolderSync.Flush(file.DirectoryName!);
        }

        private static long LineEnd(Stream raw, long offset)
        {
            raw.Position = offset;
            int b;
            while ((b = raw.ReadByte()) >= 0 && b != '\n')
            {
            }

            return raw.Position;
        }

        private static void CopyRange(Stream source, Stream output, long from, long to, CancellationToken cancellationToken)
        {
            source.Position = from;
            var buffer = new byte[1 << 16];
            var left = to - from;
            while (left > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0)
                {
                    break;
                }

                output.Write(buffer, 0, read);
                left -= read;
            }
        }

        private static byte[] CopyHashing(Stream source, Stream output, CancellationToken cancellationToken)
        {
            using var hashing = new HashingStream(output, HashAlgorithmName.SHA256);
            source.CopyTo(hashing, 1 << 16);
            cancellationToken.ThrowIfCancellationRequested();
            return hashing.GetHashAndReset();
        }

        /// <summary>
        /// Removes the temporary files of ours that a killed run left in <paramref name="temporaryFolder"/>: hidden, named after
        /// a message still in one of <paramref name="messageFolders"/> (whose original is intact), ending .tmp, and older than
        /// this job. Once per folder and job, so a folder of many messages is listed once, not once a message.
        /// </summary>
        private void RemoveLeftovers(string temporaryFolder, params string[] messageFolders)
        {
            lock (_gate)
            {
                if (!_swept.Add(temporaryFolder))
                {
                    return;
                }
            }

            if (!Directory.Exists(temporaryFolder))
            {
                return;
            }

            foreach (var leftover in Directory.EnumerateFiles(temporaryFolder, ".*.tmp"))
            {
                var match = LeftoverName.Match(Path.GetFileName(leftover));
                if (match.Success && messageFolders.Any(f => File.Exists(Path.Combine(f, match.Groups[1].Value)))
                    && File.GetLastWriteTimeUtc(leftover) < _started)
                {
                    File.Delete(leftover);
                }
            }
        }

        /// <summary>
        /// Scratch files (".smimetools-" + 32 hex digits + ".tmp") older than this job in an mbox's folder: on Unix a scratch
        /// file is unlinked as soon as it is made, so one still named there was left by a killed process. Once per folder.
        /// </summary>
        private void RemoveScratchLeftovers(string folder)
        {
            lock (_gate)
            {
                if (OperatingSystem.IsWindows() || !_swept.Add("scratch:" + folder))
                {
                    return;
                }
            }

            foreach (var leftover in Directory.EnumerateFiles(folder, ".smimetools-*.tmp"))
            {
                if (ScratchName.IsMatch(Path.GetFileName(leftover)) && File.GetLastWriteTimeUtc(leftover) < _started)
                {
                    try
                    {
                        File.Delete(leftover);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // Not ours to remove after all; it is left as it is.
                    }
                }
            }
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
            MessageUpdate update;
            try
            {
                update = work();
            }
            catch (SmimeException)
            {
                CountFailed(bytes);
                throw;
            }

            Count(bytes, update);
            return update;
        }

        private void Count(long bytes, MessageUpdate update)
        {
            lock (_gate)
            {
                Summary.Bytes += bytes;
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

                Summary.Duration = _clock.Elapsed;
            }
        }

        private void CountFailed(long bytes)
        {
            lock (_gate)
            {
                Summary.Bytes += bytes;
                Summary.Failed++;
                Summary.Duration = _clock.Elapsed;
            }
        }

        private string Keyed(string item) => _job + "/" + item;

        private UpdateJournal JournalFor(string folder)
        {
            lock (_gate)
            {
                if (!_journals.TryGetValue(folder, out var journal))
                {
                    journal = UpdateJournal.Open(Path.Combine(folder, UpdateJournal.FileName));
                    _journals[folder] = journal;
                }

                return journal;
            }
        }

        private static byte[] Digest(string path, CancellationToken cancellationToken)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return Digest(stream, cancellationToken);
        }

        private static byte[] Digest(Stream stream, CancellationToken cancellationToken)
        {
            stream.Position = 0;
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

        private static MessageUpdate At(MessageUpdate update, string mbox, int index, string? how) => update with { Path = mbox, Index = index, Checked = how };

        private static MessageUpdate With(MessageUpdate update, string? how, string? path = null) => update with { Path = path ?? update.Path, Checked = how };
    }
}
