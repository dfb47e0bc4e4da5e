using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// Writes a file so that readers see either the old file or the whole new one: the data goes to a temporary
    /// file in the same folder, which is renamed into place only on <see cref="Commit"/>. Disposing without
    /// committing deletes the temporary file and leaves any original untouched (DESIGN.md §4).
    /// </summary>
    public sealed class AtomicFileWriter : IDisposable
    {
        private readonly bool _overwrite;
        private readonly PendingFile _file;
        private bool _committed;

        private AtomicFileWriter(string destination, bool overwrite, bool privateFile, long expectedBytes, bool deferCreation)
        {
            Destination = Path.GetFullPath(destination);
            _overwrite = overwrite;
            var folder = Path.GetDirectoryName(Destination) ?? ".";
            if (!Directory.Exists(folder))
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"Cannot write '{Destination}': the folder '{folder}' does not exist.", "Create the folder first, or give another destination.", Destination);
            }

            if (!overwrite && File.Exists(Destination))
            {
                throw Exists(Destination);
            }

            TemporaryPath = Path.Combine(folder, "." + Path.GetFileName(Destination) + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                Options = FileOptions.SequentialScan,
                // A small file needs no 64 KiB buffer (made, and cleared, for each message of a pipeline).
                BufferSize = BufferSizes.For(expectedBytes),
            };
            if (!OperatingSystem.IsWindows())
            {
                // Owner-only until renamed: decrypted mail and key files are nobody else's business.
                options.UnixCreateMode = privateFile
                    ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            }

            _file = new PendingFile(TemporaryPath, options, deferCreation, expectedBytes, e => new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                $"Cannot write in the folder of '{Destination}': {e.Message}", "Check that you may write there.", Destination, e));
        }

        /// <summary>
        /// Starts writing <paramref name="destination"/>; fails at once if it exists and <paramref name="overwrite"/> is false.
        /// <paramref name="expectedBytes"/>, when known, is about how long the file will be: its write buffer is fitted to it.
        /// </summary>
        public static AtomicFileWriter Create(string destination, bool overwrite, bool privateFile = false, long expectedBytes = -1) =>
            new(destination, overwrite, privateFile, expectedBytes, deferCreation: false);

        /// <summary>
        /// As <see cref="Create(string, bool, bool, long)"/>, for a file committed with others (<see cref="CommitAll"/>): one
        /// that stays under <see cref="SpillStream.SmallFileLimit"/> is kept in memory and its temporary file is made, written and
        /// fsynced by the commit, on the committing thread; a larger one moves to its temporary file as it passes the limit.
        /// A folder that refuses the temporary file then fails the commit, with the error creating it would have given.
        /// </summary>
        internal static AtomicFileWriter CreateDeferred(string destination, bool overwrite, bool privateFile, long expectedBytes) =>
            new(destination, overwrite, privateFile, expectedBytes, deferCreation: true);

        public string Destination { get; }

        public string TemporaryPath { get; }

        /// <summary>
        /// The stream to write into: the temporary file (whose writing to disk starts while it is written), or for a deferred
        /// file memory until it grows past <see cref="SpillStream.SmallFileLimit"/>.
        /// </summary>
        public Stream Stream => _file.Stream;

        /// <summary>
        /// Written in full, committed later: the data goes to the kernel now and its writing to disk starts (a hint on
        /// Linux). Nothing for a file still in memory: its commit writes it in one piece.
        /// </summary>
        internal void StartWriteback() => _file.StartWriteback();

        /// <summary>Flushes to disk and renames the temporary file over the destination.</summary>
        public void Commit()
        {
            FlushToDisk();
            Rename();
        }

        /// <summary>
        /// Commits several files with one folder flush per folder: all are flushed to disk first, then renamed, then each
        /// folder is fsynced once (the fsyncs run together). What failed for a file is its entry of the answer (null when it is in place and durable);
        /// a file that failed leaves its temporary file removed and its destination as it was.
        /// </summary>
        public static IReadOnlyList<SmimeException?> CommitAll(IReadOnlyList<AtomicFileWriter> writers)
        {
            ArgumentNullException.ThrowIfNull(writers);
            var failures = new SmimeException?[writers.Count];

            // Files kept in memory are made and written first, one after another: made at once they would only queue for
            // their folder's lock (and spin on it, taking CPU from the work).
            for (var i = 0; i < writers.Count; i++)
            {
                try
                {
                    writers[i]._file.Materialize();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or SmimeException)
                {
                    writers[i].Dispose();
                    failures[i] = WriteFailure(writers[i], e);
                }
            }

            // The fsyncs at once, not one after another: the file system then makes them durable in one journal commit
            // (measured on ext4: about 0.5 ms a file instead of 3-5 ms). They wait on the disk, not the CPU.
            System.Threading.Tasks.Parallel.For(0, writers.Count, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
            {
                if (failures[i] != null)
                {
                    return;
                }

                try
                {
                    writers[i].FlushToDisk();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    writers[i].Dispose();
                    failures[i] = WriteFailure(writers[i], e);
                }
            });

            for (var i = 0; i < writers.Count; i++)
            {
                if (failures[i] == null)
                {
                    try
                    {
                        writers[i].Rename();
                    }
                    catch (SmimeException e)
                    {
                        failures[i] = e;
                    }
                }
            }

            foreach (var folder in Enumerable.Range(0, writers.Count).Where(i => failures[i] == null)
                .GroupBy(i => Path.GetDirectoryName(writers[i].Destination) ?? ".", StringComparer.Ordinal))
            {
                try
                {
                    FolderSync.Flush(folder.Key);
                }
                catch (IOException e)
                {
                    // The files are in place but their names may not survive a crash: say so for each.
                    foreach (var i in folder)
                    {
                        failures[i] = new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                            $"'{writers[i].Destination}' was written, but its folder could not be flushed to disk: {e.Message}",
                            "Check the disk; the file may be missing after a crash.", writers[i].Destination, e);
                    }
                }
            }

            return failures;
        }

        private static SmimeException WriteFailure(AtomicFileWriter writer, Exception e) => e as SmimeException
            ?? new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                $"Cannot write '{writer.Destination}' to disk: {e.Message}", "Check the disk and that you may write there.", writer.Destination, e);

        /// <summary>Makes the data durable and closes the temporary file; the destination is not touched yet.</summary>
        private void FlushToDisk() => _file.FlushAndClose();

        /// <summary>Renames the flushed temporary file over the destination; on failure the temporary file is removed.</summary>
        private void Rename()
        {
            try
            {
                File.Move(TemporaryPath, Destination, _overwrite);
            }
            catch (IOException e) when (!_overwrite && File.Exists(Destination))
            {
                TryDelete();
                throw Exists(Destination, e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                TryDelete();
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"Cannot put the new file in place at '{Destination}': {e.Message}", "Check that you may write there.", Destination, e);
            }

            _committed = true;
        }

        public void Dispose()
        {
            _file.Dispose();
            if (!_committed)
            {
                TryDelete();
            }
        }

        private void TryDelete()
        {
            try
            {
                File.Delete(TemporaryPath);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        private static SmimeException Exists(string destination, Exception? inner = null) =>
            new(ErrorIds.DestinationExists, SmimeErrorKind.WriteError,
                $"The file '{destination}' already exists and was left as it is.", "Use -Force to replace it, or give another destination.", destination, inner);
    }
}
