using System;
using System.IO;
using System.Security.Cryptography;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// Scratch space for one stage of a streaming pipeline, deleted when disposed, so messages of any size pass through
    /// without being held in memory. An unnamed scratch (<see cref="Create"/>) stays in memory up to
    /// <see cref="MemoryLimit"/> and moves to a file readable by its owner only past it: a small message then costs no
    /// file to create and unlink (on a busy disk, more than its cryptography), a large one no more memory than that.
    /// What was held in memory is zeroed when it moves or is disposed, as it may be decrypted content.
    /// </summary>
    internal sealed class TemporaryFile : IDisposable
    {
        /// <summary>The most bytes an unnamed scratch holds in memory.</summary>
        public const int MemoryLimit = 256 * 1024;

        private readonly string? _path;

        private TemporaryFile(Stream stream, string? path)
        {
            Stream = stream;
            _path = path;
        }

        public Stream Stream { get; }

        /// <summary>The file's name, for a scratch other handles open by name (<c>shared</c>, or <see cref="CreateAt(string, bool)"/>).</summary>
        public string Path => _path ?? throw new InvalidOperationException("An unnamed scratch has no path.");

        /// <param name="folder">Where the file goes, if it comes to one.</param>
        /// <param name="shared">A file from the start, which other handles of this process may open by name (to read it in several places at once).</param>
        public static TemporaryFile Create(string folder, bool shared = false) => shared
            ? CreateAt(System.IO.Path.Combine(folder, ".smimetools-" + Guid.NewGuid().ToString("N") + ".tmp"), true, FileMode.CreateNew)
            : new TemporaryFile(new SpillStream(folder), null);

        /// <summary>A scratch file with a name of the caller's, replacing a file of that name (one a killed run left).</summary>
        public static TemporaryFile CreateAt(string path, bool shared) => CreateAt(path, shared, FileMode.Create);

        private static TemporaryFile CreateAt(string path, bool shared, FileMode mode) => new(OpenFile(path, shared, mode), path);

        private static FileStream OpenFile(string path, bool shared, FileMode mode)
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

            return stream;
        }

        /// <summary>Rewinds for reading what was written.</summary>
        public Stream Rewind()
        {
            Stream.Flush();
            Stream.Position = 0;
            return Stream;
        }

        public void Dispose() => Stream.Dispose();

        /// <summary>Memory up to <see cref="MemoryLimit"/>, then an unnamed file in the folder given, with the bytes so far moved to it.</summary>
        private sealed class SpillStream : Stream
        {
            private readonly string _folder;
            private MemoryStream? _memory = new();
            private FileStream? _file;

            public SpillStream(string folder) => _folder = folder;

            public override bool CanRead => true;

            public override bool CanSeek => true;

            public override bool CanWrite => true;

            public override long Length => Inner.Length;

            public override long Position
            {
                get => Inner.Position;
                set => Inner.Position = value;
            }

            private Stream Inner => (Stream?)_file ?? _memory ?? throw new ObjectDisposedException(nameof(TemporaryFile));

            public override void Flush() => Inner.Flush();

            public override int Read(byte[] buffer, int offset, int count) => Inner.Read(buffer, offset, count);

            public override int Read(Span<byte> buffer) => Inner.Read(buffer);

            public override long Seek(long offset, SeekOrigin origin) => Inner.Seek(offset, origin);

            public override void SetLength(long value)
            {
                MakeRoom(value);
                Inner.SetLength(value);
            }

            public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

            public override void Write(ReadOnlySpan<byte> buffer)
            {
                MakeRoom(Inner.Position + buffer.Length);
                Inner.Write(buffer);
            }

            public override void WriteByte(byte value) => Write(stackalloc byte[] { value });

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    Forget();
                    _file?.Dispose();
                    _file = null;
                }

                base.Dispose(disposing);
            }

            /// <summary>Moves to a file when <paramref name="end"/> would take the memory past its limit.</summary>
            private void MakeRoom(long end)
            {
                if (_memory == null || end <= MemoryLimit)
                {
                    return;
                }

                var file = OpenFile(System.IO.Path.Combine(_folder, ".smimetools-" + Guid.NewGuid().ToString("N") + ".tmp"), false, FileMode.CreateNew);
                try
                {
                    file.Write(_memory.GetBuffer(), 0, (int)_memory.Length);
                    file.Position = _memory.Position;
                }
                catch
                {
                    file.Dispose();
                    throw;
                }

                Forget();
                _file = file;
            }

            private void Forget()
            {
                if (_memory != null)
                {
                    CryptographicOperations.ZeroMemory(_memory.GetBuffer());
                    _memory.Dispose();
                    _memory = null;
                }
            }
        }
    }
}
