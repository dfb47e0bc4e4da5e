using System;
using System.IO;

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
        private FileStream? _stream;
        private bool _committed;

        private AtomicFileWriter(string destination, bool overwrite, bool privateFile)
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
                BufferSize = 1 << 16,
            };
            if (!OperatingSystem.IsWindows())
            {
                // Owner-only until renamed: decrypted mail and key files are nobody else's business.
                options.UnixCreateMode = privateFile
                    ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            }

            try
            {
                _stream = new FileStream(TemporaryPath, options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"Cannot write in the folder of '{Destination}': {e.Message}", "Check that you may write there.", Destination, e);
            }
        }

        /// <summary>Starts writing <paramref name="destination"/>; fails at once if it exists and <paramref name="overwrite"/> is false.</summary>
        public static AtomicFileWriter Create(string destination, bool overwrite, bool privateFile = false) =>
            new(destination, overwrite, privateFile);

        public string Destination { get; }

        public string TemporaryPath { get; }

        /// <summary>The stream to write into; it is the temporary file.</summary>
        public Stream Stream => _stream ?? throw new ObjectDisposedException(nameof(AtomicFileWriter));

        /// <summary>Flushes to disk and renames the temporary file over the destination.</summary>
        public void Commit()
        {
            var stream = _stream ?? throw new ObjectDisposedException(nameof(AtomicFileWriter));
            stream.Flush(flushToDisk: true);
            stream.Dispose();
            _stream = null;
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
            _stream?.Dispose();
            _stream = null;
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
