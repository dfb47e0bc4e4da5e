using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SmimeTools.Engine.IO;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Puts a batch of rewritten message files in place as one file would be, but with the waits for the disk shared:
    /// fsync every temporary file at once (the file system makes them durable in one journal commit), check each as read
    /// back, rename each checked one into place, fsync each folder once (and once more after removing originals whose
    /// name changed), then append the batch's journal lines with one fsync a journal.
    /// </summary>
    /// <remarks>
    /// Why a crash or kill at any point loses nothing and rewrites nothing twice:
    /// - Before the renames only temporary files exist beside intact originals; the next run's leftover sweep removes them.
    /// - A file is renamed only once its data is durable and checked, so whichever of a rename and its folder flush survives,
    ///   the name holds either the whole original or the whole checked new message, never part of one.
    /// - A message renamed but not yet journalled is read again by the next run, which finds it encrypted to every target
    ///   recipient (that is what the check proved) and skips it without rewriting; the journal only saves that read, and its
    ///   'before' digest is that of the original, recorded only with the rename behind it.
    /// - A journal line is written only after the renames (and removals) it describes are durable, so a line never names a
    ///   file state a crash can take back; a line cut short is ignored when the journal is read.
    /// - A Maildir message whose name changes (new S= and W= sizes) keeps its old name until the new one is durable: a crash
    ///   between leaves both, never neither, as a single rewrite does; the next run skips the new one and updates the old
    ///   one again (to the same name when the size is the same, which then replaces the first).
    /// Cancellation is looked at until the first rename: a batch stopped before is thrown away whole (the caller disposes
    /// each <see cref="PendingRewrite"/>, which removes its temporary file); once renames start, the batch is finished.
    /// </remarks>
    internal static class RewriteBatch
    {
        /// <summary>
        /// Checks and puts in place each of <paramref name="rewrites"/> (checks on up to <paramref name="workers"/> threads):
        /// for each, null when it is in place and journalled, or why it was left as it was (its temporary file is then gone
        /// once it is disposed). <paramref name="step"/> (tests) hears each step as it is done: its name and the path.
        /// </summary>
        /// <exception cref="OperationCanceledException">Stopped before the first rename: nothing of the batch was put in place.</exception>
        public static SmimeException?[] Commit(IReadOnlyList<PendingRewrite> rewrites, int workers, CancellationToken cancellationToken,
            Action<string, string>? step = null)
        {
            ArgumentNullException.ThrowIfNull(rewrites);
            var failures = new SmimeException?[rewrites.Count];
            var say = step ?? ((_, _) => { });
            var gate = new object();
            cancellationToken.ThrowIfCancellationRequested();

            // New content kept in memory gets its temporary file first, one after another: made at once, the files would only
            // queue for their folder's lock.
            for (var i = 0; i < rewrites.Count; i++)
            {
                try
                {
                    rewrites[i].Replacement.WriteDeferred();
                }
                catch (SmimeException e)
                {
                    failures[i] = e;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    failures[i] = NotWritten(rewrites[i], e);
                }
            }

            // Waits on the disk, not the CPU: all at once.
            Each(rewrites.Count, 16, cancellationToken, i =>
            {
                if (failures[i] != null)
                {
                    return;
                }

                try
                {
                    rewrites[i].Replacement.FlushToDisk();
                    lock (gate)
                    {
                        say("flush", rewrites[i].Replacement.TemporaryPath);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    failures[i] = NotWritten(rewrites[i], e);
                }
            });

            // The check opens the message with a key: on as many threads as the job has workers.
            Each(rewrites.Count, Math.Max(1, workers), cancellationToken, i =>
            {
                if (failures[i] != null)
                {
                    return;
                }

                try
                {
                    var rewrite = rewrites[i];
                    rewrite.Replacement.Check(written =>
                    {
                        var (how, destination) = rewrite.Check(written);
                        rewrite.How = how;
                        return destination;
                    });
                    lock (gate)
                    {
                        say("check", rewrite.Replacement.Original);
                    }
                }
                catch (SmimeException e)
                {
                    failures[i] = e;
                }
            });

            // The last moment to stop: from here the batch is put in place whole.
            cancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i < rewrites.Count; i++)
            {
                if (failures[i] == null)
                {
                    try
                    {
                        rewrites[i].Replacement.Rename();
                        say("rename", rewrites[i].Replacement.Destination);
                    }
                    catch (SmimeException e)
                    {
                        failures[i] = e;
                    }
                }
            }

            FlushFolders(rewrites, failures, r => r.Destination, say);
            var renamed = Enumerable.Range(0, rewrites.Count).Where(i => failures[i] == null && rewrites[i].Replacement.NameChanges).ToList();
            foreach (var i in renamed)
            {
                try
                {
                    rewrites[i].Replacement.RemoveOriginalUnflushed();
                    say("remove", rewrites[i].Replacement.Original);
                }
                catch (SmimeException e)
                {
                    failures[i] = e;
                }
            }

            FlushFolders(rewrites, failures, r => r.Original, say, renamed);
            foreach (var journal in Enumerable.Range(0, rewrites.Count).Where(i => failures[i] == null).GroupBy(i => rewrites[i].Journal))
            {
                journal.Key.RecordAll(journal.Select(i => (rewrites[i].Key, rewrites[i].Before, rewrites[i].Update.DigestAfter!, new FileInfo(rewrites[i].Replacement.Destination))).ToList());
                say("journal", journal.Key.Path);
            }

            return failures;
        }

        private static SmimeException NotWritten(PendingRewrite rewrite, Exception e) =>
            new(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                $"Cannot write the new '{rewrite.Replacement.Original}' to disk: {e.Message}; it was left as it is.",
                "Check the disk and that you may write there.", rewrite.Replacement.Original, e);

        /// <summary>fsyncs once each folder that <paramref name="pathOf"/> names for the rewrites still going (of <paramref name="only"/>, when given).</summary>
        private static void FlushFolders(IReadOnlyList<PendingRewrite> rewrites, SmimeException?[] failures, Func<FileReplacement, string> pathOf,
            Action<string, string> say, IReadOnlyList<int>? only = null)
        {
            var going = (only ?? Enumerable.Range(0, rewrites.Count).ToList()).Where(i => failures[i] == null);
            foreach (var folder in going.GroupBy(i => Path.GetDirectoryName(pathOf(rewrites[i].Replacement)) ?? ".", StringComparer.Ordinal).ToList())
            {
                try
                {
                    FolderSync.Flush(folder.Key);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // In place, but the name may not survive a crash: not journalled, so the next run looks at it again.
                    foreach (var i in folder)
                    {
                        var path = pathOf(rewrites[i].Replacement);
                        failures[i] = new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                            $"'{path}' was written, but its folder could not be flushed to disk: {e.Message}", "Check the disk; the file may be missing after a crash.", path, e);
                    }

                    continue;
                }

                say("flush folder", folder.Key);
            }
        }

        /// <summary>Runs <paramref name="body"/> for 0 to <paramref name="count"/> - 1 on up to <paramref name="degree"/> threads; stops taking more on cancellation.</summary>
        private static void Each(int count, int degree, CancellationToken cancellationToken, Action<int> body)
        {
            if (degree <= 1 || count <= 1)
            {
                for (var i = 0; i < count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    body(i);
                }

                return;
            }

            try
            {
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancellationToken }, body);
            }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }
}
