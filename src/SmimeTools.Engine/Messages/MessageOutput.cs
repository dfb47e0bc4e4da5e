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

        /// <summary>
        /// A file whose commit waits for <see cref="AtomicFileWriter.CommitAll"/>: written and closed by the engine, not yet
        /// flushed or renamed. Null for memory, and for files committed at once.
        /// </summary>
        internal AtomicFileWriter? Pending { get; private set; }

        /// <summary>Set by a batch: the file is not committed when the message is done, but with the others of its batch.</summary>
        internal bool DeferCommit { get; set; }

        /// <summary>
        /// Opens the output; <paramref name="expectedBytes"/>, when known, is about how much will be written.
        /// A file committed with its batch is kept in memory while it is small: its batch's commit makes it, on a thread of its
        /// own, so the thread doing the work pays neither the file's creation nor its writing.
        /// </summary>
        internal Target Open(long expectedBytes = -1) => Path == null
            ? new Target(null, null)
            : DeferCommit
                ? new Target(AtomicFileWriter.CreateDeferred(Path, Overwrite, PrivateFile, expectedBytes), this)
                : new Target(AtomicFileWriter.Create(Path, Overwrite, PrivateFile, expectedBytes), null);

        /// <summary>Throws the pending file away (its temporary file is removed); nothing when there is none.</summary>
        internal void Discard()
        {
            Pending?.Dispose();
            Pending = null;
        }

        /// <summary>Takes the pending file for its batch to commit.</summary>
        internal AtomicFileWriter? TakePending()
        {
            var pending = Pending;
            Pending = null;
            return pending;
        }

        /// <summary>One write of the output: commit it, or dispose it to throw it away.</summary>
        internal sealed class Target : IDisposable
        {
            private readonly MessageOutput? _batched;
            private readonly MemoryStream? _memory;
            private AtomicFileWriter? _file;

            public Target(AtomicFileWriter? file, MessageOutput? batched)
            {
                _file = file;
                _batched = batched;
                _memory = file == null ? new MemoryStream() : null;
            }

            public Stream Stream => _file?.Stream ?? _memory!;

            public byte[]? Commit()
            {
                if (_file != null && _batched != null)
                {
                    // Handed to the batch, which fsyncs, renames and disposes it; the disk starts on it meanwhile.
                    _file.StartWriteback();
                    _batched.Discard();
                    _batched.Pending = _file;
                    _file = null;
                    return null;
                }

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
