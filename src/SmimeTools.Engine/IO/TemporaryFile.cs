using System;
using System.IO;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// A scratch file for one stage of a streaming pipeline, readable by its owner only and deleted when disposed,
    /// so messages of any size pass through without being held in memory.
    /// </summary>
    internal sealed class TemporaryFile : IDisposable
    {
        private TemporaryFile(FileStream stream) => Stream = stream;

        public FileStream Stream { get; }

        /// <param name="folder">Where the file goes.</param>
        /// <param name="shared">Let other handles of this process open it by name (to read it in several places at once).</param>
        public static TemporaryFile Create(string folder, bool shared = false) =>
            CreateAt(System.IO.Path.Combine(folder, ".smimetools-" + Guid.NewGuid().ToString("N") + ".tmp"), shared, FileMode.CreateNew);

        /// <summary>A scratch file with a name of the caller's, replacing a file of that name (one a killed run left).</summary>
        public static TemporaryFile CreateAt(string path, bool shared) => CreateAt(path, shared, FileMode.Create);

        private static TemporaryFile CreateAt(string path, bool shared, FileMode mode)
        {
            // On Unix a file nobody opens by name is unlinked at once: a process killed with SIGKILL leaves nothing behind.
            var unlinkNow = !shared && !OperatingSystem.IsWindows();
            var options = new FileStreamOptions
            {
                Mode = mode,
                Access = FileAccess.ReadWrite,
                Share = shared ? FileShare.ReadWrite | FileShare.Delete : FileShare.None,
                Options = unlinkNow ? FileOptions.None : FileOptions.DeleteOnClose,
                BufferSize = 1 << 16,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var stream = new FileStream(path, options);
            if (unlinkNow)
            {
                File.Delete(path);
            }

            return new TemporaryFile(stream);
        }

        /// <summary>Rewinds for reading what was written.</summary>
        public Stream Rewind()
        {
            Stream.Flush();
            Stream.Position = 0;
            return Stream;
        }

        public void Dispose() => Stream.Dispose();
    }
}
