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
        private FileStream? _stream;
        private bool _committed;

        private FileReplacement(string original, string temporaryFolder)
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
                BufferSize = 1 << 16,
            };
            if (!OperatingSystem.IsWindows())
            {
                // The new file may be read by whoever could read the old one, and by nobody else.
                options.UnixCreateMode = File.GetUnixFileMode(Original);
            }

            try
            {
                _stream = new FileStream(TemporaryPath, options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"Cannot write beside '{Original}': {e.Message}", "Check that you may write in its folder.", Original, e);
            }
        }

        /// <summary>Starts replacing <paramref name="original"/>; the temporary file goes in its folder unless another is given.</summary>
        public static FileReplacement Begin(string original, string? temporaryFolder = null) =>
            new(original, temporaryFolder ?? Path.GetDirectoryName(Path.GetFullPath(original)) ?? ".");

        public string Original { get; }

        public string TemporaryPath { get; }

        /// <summary>Where the new content is written.</summary>
        public Stream Stream => _stream ?? throw new ObjectDisposedException(nameof(FileReplacement));

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
            var stream = _stream ?? throw new ObjectDisposedException(nameof(FileReplacement));
            stream.Flush(flushToDisk: true);
            stream.Dispose();
            _stream = null;
            string? destination;
            using (var written = new FileStream(TemporaryPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
            {
                destination = checkAndPlace(written);
            }

            var info = new FileInfo(Original);
            if (!info.Exists || info.Length != _originalLength || info.LastWriteTimeUtc != _originalWritten)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"'{Original}' changed while it was being rewritten; it was left as it is now.", "Run again when nothing else writes to it.", Original);
            }

            var target = destination == null ? Original : Path.GetFullPath(destination);
            try
            {
                FolderSync.Replace(TemporaryPath, target);
                if (!string.Equals(target, Original, StringComparison.Ordinal))
                {
                    // The new name is durable before the old one goes: a crash between them leaves both, never neither.
                    File.Delete(Original);
                    FolderSync.Flush(Path.GetDirectoryName(Original) ?? ".");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"Cannot put the new '{target}' in place: {e.Message}", "Check that you may write in its folder.", Original, e);
            }

            _committed = true;
        }

        public void Dispose()
        {
            _stream?.Dispose();
            _stream = null;
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
