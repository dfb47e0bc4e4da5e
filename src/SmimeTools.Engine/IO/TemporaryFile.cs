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
        public static TemporaryFile Create(string folder, bool shared = false)
        {
            var path = System.IO.Path.Combine(folder, ".smimetools-" + Guid.NewGuid().ToString("N") + ".tmp");
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = shared ? FileShare.ReadWrite | FileShare.Delete : FileShare.None,
                Options = FileOptions.DeleteOnClose,
                BufferSize = 1 << 16,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            return new TemporaryFile(new FileStream(path, options));
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
