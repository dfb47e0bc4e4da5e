using System;
using System.IO;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// The temporary file that an atomic write or a replacement fills before it is renamed into place: made at once, or,
    /// deferred, kept in memory while it is under <see cref="SpillStream.SmallFileLimit"/> and made when it must be (by
    /// <see cref="Materialize"/>, on the thread that commits it). Its writing to disk is started every few MiB and on
    /// request. Whoever owns it removes the file when it is not renamed: disposing only closes it.
    /// </summary>
    internal sealed class PendingFile : IDisposable
    {
        private readonly FileStreamOptions _options;
        private readonly Func<Exception, SmimeException> _refused;
        private FileStream? _file;
        private EarlyWritebackStream? _writer;
        private SpillStream? _memory;
        private bool _closed;

        /// <param name="path">The temporary file, which must not exist (it is created with <see cref="FileMode.CreateNew"/> in <paramref name="options"/>).</param>
        /// <param name="options">How it is created: mode, sharing, buffer size and permissions.</param>
        /// <param name="defer">Keep small content in memory until <see cref="Materialize"/>.</param>
        /// <param name="expectedBytes">About how much will be written; -1 when not known. Larger than the limit, nothing is deferred.</param>
        /// <param name="refused">The error to throw when the folder refuses the file.</param>
        public PendingFile(string path, FileStreamOptions options, bool defer, long expectedBytes, Func<Exception, SmimeException> refused)
        {
            Path = path;
            _options = options;
            _refused = refused;
            if (defer && expectedBytes <= SpillStream.SmallFileLimit)
            {
                _memory = new SpillStream(SpillStream.SmallFileLimit, expectedBytes < 0 ? BufferSizes.Default : (int)expectedBytes, Open);
            }
            else
            {
                Open();
            }
        }

        public string Path { get; }

        /// <summary>Made durable and closed by <see cref="FlushAndClose"/>.</summary>
        public bool Flushed { get; private set; }

        /// <summary>Where the content is written: the file, or memory until it grows past the limit.</summary>
        public Stream Stream => _closed ? throw new ObjectDisposedException(nameof(PendingFile)) : (Stream?)_memory ?? _writer!;

        /// <summary>Hands what was written to the kernel and asks it to start writing it to disk; nothing while it is in memory.</summary>
        public void StartWriteback()
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _writer?.StartWriteback();
        }

        /// <summary>Content still in memory gets its file, written to the kernel but not yet made durable; nothing when the file exists.</summary>
        /// <exception cref="SmimeException">The folder refuses the file.</exception>
        public void Materialize()
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_memory is { InMemory: true } memory)
            {
                Open();
                _file!.Write(memory.Buffered);
                _memory = null;
                memory.Dispose();
            }
        }

        /// <summary>Makes the content durable (fsync) and closes the file.</summary>
        /// <exception cref="IOException">The content cannot be made durable.</exception>
        public void FlushAndClose()
        {
            Materialize();
            _file!.Flush(flushToDisk: true);
            Dispose();
            Flushed = true;
        }

        public void Dispose()
        {
            _closed = true;
            _file?.Dispose();
            _file = null;
            _writer = null;
            _memory?.Dispose();
            _memory = null;
        }

        private Stream Open()
        {
            try
            {
                _file = new FileStream(Path, _options);
                // A large file goes to the disk as it is made, so the commit's fsync waits little.
                _writer = new EarlyWritebackStream(_file, _options.BufferSize);
                return _writer;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw _refused(e);
            }
        }
    }
}
