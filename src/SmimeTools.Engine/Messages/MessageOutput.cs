using System;
using System.IO;
using SmimeTools.Engine.IO;

namespace SmimeTools.Engine.Messages
{
    /// <summary>Where a produced message goes: a file (written atomically) or memory.</summary>
    public sealed class MessageOutput
    {
        private MessageOutput(string? path, bool overwrite, bool privateFile)
        {
            Path = path == null ? null : System.IO.Path.GetFullPath(path);
            Overwrite = overwrite;
            PrivateFile = privateFile;
        }

        /// <summary>The destination file; null when the message is kept in memory.</summary>
        public string? Path { get; }

        public bool Overwrite { get; }

        /// <summary>Create the file readable by its owner only (decrypted mail).</summary>
        public bool PrivateFile { get; }

        public static MessageOutput ToFile(string path, bool overwrite, bool privateFile = false)
        {
            ArgumentNullException.ThrowIfNull(path);
            return new MessageOutput(path, overwrite, privateFile);
        }

        public static MessageOutput ToMemory() => new(null, false, false);

        /// <summary>The folder for temporary files: beside the destination, so nothing plain lands elsewhere.</summary>
        internal string TemporaryFolder => Path == null
            ? System.IO.Path.GetTempPath()
            : System.IO.Path.GetDirectoryName(Path) ?? System.IO.Path.GetTempPath();

        internal Target Open() => Path == null ? new Target(null) : new Target(AtomicFileWriter.Create(Path, Overwrite, PrivateFile));

        /// <summary>One write of the output: commit it, or dispose it to throw it away.</summary>
        internal sealed class Target : IDisposable
        {
            private readonly AtomicFileWriter? _file;
            private readonly MemoryStream? _memory;

            public Target(AtomicFileWriter? file)
            {
                _file = file;
                _memory = file == null ? new MemoryStream() : null;
            }

            public Stream Stream => _file?.Stream ?? _memory!;

            public byte[]? Commit()
            {
                if (_file != null)
                {
                    _file.Commit();
                    return null;
                }

                return _memory!.ToArray();
            }

            public void Dispose()
            {
                _file?.Dispose();
                _memory?.Dispose();
            }
        }
    }
}
