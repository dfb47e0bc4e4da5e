using System;
using System.IO;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// Replaces a file so that a crash at any moment leaves either the original or the whole, checked new file: the new
    /// content goes to a temporary file (in the same folder, or a folder on the same file system such as Maildir's
    /// tmp/), is fsynced, re-opened and checked, renamed into place, and the folder is fsynced. Until then the original
    /// is untouched, and disposing without committing removes the temporary file.
    /// </summary>
    public sealed class FileReplacement : IDisposable
    {
        private readonly DateTime _originalWritten;
        private readonly long _originalLength;
        private readonly PendingFile _file;
        private bool _committed;

        private FileReplacement(string original, string temporaryFolder, bool deferCreation)
        {
            Original = Path.GetFullPath(original);
            var info = new FileInfo(Original);
            if (!info.Exists)
            {
                throw new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ReadError,
                    $"Cannot replace '{Original}': it does not exist.", "Check the path.", Original);
            }

            _originalWritten = info.LastWriteTimeUtc;
            _originalLength = info.Length;
            TemporaryPath = Path.Combine(Path.GetFullPath(temporaryFolder), "." + info.Name + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                // The new content is about as long as the old.
                BufferSize = BufferSizes.For(_originalLength),
            };
            if (!OperatingSystem.IsWindows())
            {
                // The new file may be read by whoever could read the old one, and by nobody else.
                options.UnixCreateMode = File.GetUnixFileMode(Original);
            }

            _file = new PendingFile(TemporaryPath, options, deferCreation, _originalLength, e => new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                $"Cannot write beside '{Original}': {e.Message}", "Check that you may write in its folder.", Original, e));
        }

        /// <summary>Starts replacing <paramref name="original"/>; the temporary file goes in its folder unless another is given.</summary>
        public static FileReplacement Begin(string original, string? temporaryFolder = null) =>
            new(original, temporaryFolder ?? Path.GetDirectoryName(Path.GetFullPath(original)) ?? ".", deferCreation: false);

        /// <summary>
        /// As <see cref="Begin"/>, for a replacement committed with others (<see cref="Operations.RewriteBatch"/>): the new
        /// content of a small file is kept in memory until <see cref="WriteDeferred"/> or <see cref="FlushToDisk"/> makes the
        /// temporary file, on the committing thread, and a replacement thrown away before makes none. Content that passes
        /// <see cref="SpillStream.SmallFileLimit"/> moves to its temporary file as it is written.
        /// </summary>
        internal static FileReplacement BeginDeferred(string original, string? temporaryFolder = null) =>
            new(original, temporaryFolder ?? Path.GetDirectoryName(Path.GetFullPath(original)) ?? ".", deferCreation: true);

        public string Original { get; }

        public string TemporaryPath { get; }

        /// <summary>Where the new content is written.</summary>
        public Stream Stream => _file.Stream;

        /// <summary>
        /// fsyncs the new content, lets <paramref name="check"/> read it back from disk (it throws to refuse it), then
        /// renames it over the original, or to <paramref name="destination"/> when the name changes (the original is
        /// then removed once the new name is durable), and fsyncs the folder.
        /// </summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.WriteFailed"/> when the original changed meanwhile or cannot be replaced.</exception>
        public void Commit(Action<Stream> check, string? destination = null)
        {
            ArgumentNullException.ThrowIfNull(check);
            CommitPlaced(written =>
            {
                check(written);
                return destination;
            });
        }

        /// <summary>As <see cref="Commit(Action{Stream}, string?)"/>, where the check also says where the file goes (null: over the original).</summary>
        /// <remarks>A name of its own: as an overload of Commit, a lambda returning any string would silently become the destination.</remarks>
        public void CommitPlaced(Func<Stream, string?> checkAndPlace)
        {
            ArgumentNullException.ThrowIfNull(checkAndPlace);
            FlushToDisk();
            Check(checkAndPlace);
            Rename();
            FlushFolder();
            RemoveOriginal();
        }

        /// <summary>Where the new content goes once checked: the original's path unless the check said otherwise.</summary>
        public string Destination { get; private set; } = string.Empty;

        /// <summary>True when the new content goes under another name, so the original is removed once that name is durable.</summary>
        public bool NameChanges => !string.Equals(Destination, Original, StringComparison.Ordinal);

        /// <summary>The first step of a commit, which a batch takes for many files at once: fsyncs the new content and closes it.</summary>
        /// <exception cref="IOException">The new content cannot be made durable.</exception>
        /// <exception cref="SmimeException"><see cref="ErrorIds.WriteFailed"/> when a deferred temporary file is refused by its folder.</exception>
        public void FlushToDisk() => _file.FlushAndClose();

        /// <summary>
        /// New content still in memory gets its temporary file, written to the kernel but not yet made durable; nothing when
        /// the file exists already.
        /// </summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.WriteFailed"/> when the folder refuses the temporary file.</exception>
        internal void WriteDeferred() => _file.Materialize();

        /// <summary>
        /// The second step: lets <paramref name="checkAndPlace"/> read the flushed content back from disk (it throws to refuse it)
        /// and say where it goes (null: over the original).
        /// </summary>
        public void Check(Func<Stream, string?> checkAndPlace)
        {
            ArgumentNullException.ThrowIfNull(checkAndPlace);
            if (!_file.Flushed)
            {
                throw new InvalidOperationException("The new content is checked once it is flushed to disk.");
            }

            using var written = BufferSizes.OpenRead(TemporaryPath, FileShare.Read, FileOptions.SequentialScan);
            var destination = checkAndPlace(written);
            Destination = destination == null ? Original : Path.GetFullPath(destination);
        }

        /// <summary>
        /// The third step: renames the checked content into place, unless the original changed meanwhile. The rename is durable
        /// once <see cref="FlushFolder"/> (or the batch's flush of the folder) is done.
        /// </summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.WriteFailed"/> when the original changed meanwhile or cannot be replaced.</exception>
        public void Rename()
        {
            if (Destination.Length == 0)
            {
                throw new InvalidOperationException("The new content is put in place once it is checked.");
            }

            var info = new FileInfo(Original);
            if (!info.Exists || info.Length != _originalLength || info.LastWriteTimeUtc != _originalWritten)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"'{Original}' changed while it was being rewritten; it was left as it is now.", "Run again when nothing else writes to it.", Original);
            }

            try
            {
                FolderSync.Rename(TemporaryPath, Destination);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"Cannot put the new '{Destination}' in place: {e.Message}", "Check that you may write in its folder.", Original, e);
            }

            _committed = true;
        }

        /// <summary>fsyncs the folder the new content was renamed into, so the rename survives a crash.</summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.WriteFailed"/>.</exception>
        public void FlushFolder() => Flush(Path.GetDirectoryName(Destination) ?? ".", Destination);

        /// <summary>
        /// The last step when the name changes, once the new name is durable: removes the original and fsyncs its folder, so a
        /// crash between them leaves both, never neither. Nothing to do when the original was renamed over.
        /// </summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.WriteFailed"/>.</exception>
        public void RemoveOriginal()
        {
            if (!NameChanges)
            {
                return;
            }

            RemoveOriginalUnflushed();
            Flush(Path.GetDirectoryName(Original) ?? ".", Original);
        }

        /// <summary>As <see cref="RemoveOriginal"/> without the fsync of the folder, which a batch does once for all its files.</summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.WriteFailed"/>.</exception>
        public void RemoveOriginalUnflushed()
        {
            if (!NameChanges)
            {
                return;
            }

            try
            {
                File.Delete(Original);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"The new '{Destination}' is in place, but the old '{Original}' cannot be removed: {e.Message}", "Remove the old file yourself.", Original, e);
            }
        }

        private static void Flush(string folder, string path)
        {
            try
            {
                FolderSync.Flush(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"'{path}' was written, but its folder could not be flushed to disk: {e.Message}", "Check the disk; the file may be missing after a crash.", path, e);
            }
        }

        public void Dispose()
        {
            _file.Dispose();
            if (!_committed)
            {
                try
                {
                    File.Delete(TemporaryPath);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left behind, hidden and named .tmp; the original is intact.
                }
            }
        }
    }
}
