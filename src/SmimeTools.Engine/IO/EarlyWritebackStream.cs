using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// A file stream that, on Linux, asks the kernel to start writing what was written to disk every few MiB
    /// (sync_file_range, SYNC_FILE_RANGE_WRITE), so that the disk works while the content is still being made and the
    /// fsync of the commit finds little left to wait for. Only a hint: durability still comes from that fsync. Writes
    /// larger than the file stream's buffer go to the file without a copy into it; reads, seeks and everything else pass
    /// through unchanged. The file stream is not closed with it.
    /// </summary>
    internal sealed class EarlyWritebackStream : Stream
    {
        /// <summary>How much is written between two requests: large enough that the calls cost nothing.</summary>
        internal const int Interval = 8 << 20;

        private const uint SyncFileRangeWrite = 2;

        private static readonly Lazy<SyncFileRangeFunction?> SyncFileRange = new(() =>
            OperatingSystem.IsLinux() ? CLibrary.Function<SyncFileRangeFunction>("sync_file_range") : null);

        private readonly FileStream _file;
        private readonly int _directSize;
        private long _sinceRequest;
        private long _requestedUpTo;

        /// <param name="file">The file, left open.</param>
        /// <param name="bufferSize">The file stream's buffer size: writes at least this large skip its buffer.</param>
        public EarlyWritebackStream(FileStream file, int bufferSize)
        {
            _file = file ?? throw new ArgumentNullException(nameof(file));
            _directSize = Math.Max(bufferSize, 1);
        }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl, SetLastError = true)]
        private delegate int SyncFileRangeFunction(int descriptor, long offset, long count, uint flags);

        public override bool CanRead => _file.CanRead;

        public override bool CanSeek => _file.CanSeek;

        public override bool CanWrite => _file.CanWrite;

        public override long Length => _file.Length;

        public override long Position
        {
            get => _file.Position;
            set => _file.Position = value;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.Length >= _directSize)
            {
                // The file stream writes a large piece straight from the caller's memory only when its buffer is empty.
                _file.Flush();
            }

            _file.Write(buffer);
            _sinceRequest += buffer.Length;
            if (_sinceRequest >= Interval)
            {
                _sinceRequest = 0;
                RequestWriteback();
            }
        }

        public override void WriteByte(byte value) => Write(stackalloc byte[] { value });

        public override int Read(byte[] buffer, int offset, int count) => _file.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => _file.Read(buffer);

        public override long Seek(long offset, SeekOrigin origin) => _file.Seek(offset, origin);

        public override void SetLength(long value) => _file.SetLength(value);

        public override void Flush() => _file.Flush();

        /// <summary>
        /// Everything written so far is handed to the kernel, which is asked to start writing it to disk: for a file
        /// whose fsync comes later (a batch's commit), that fsync then finds the data written or on its way.
        /// </summary>
        public void StartWriteback() => RequestWriteback();

        /// <summary>Hands the stream's buffer to the kernel and asks it to start writing everything past the last request.</summary>
        private void RequestWriteback()
        {
            if (SyncFileRange.Value is not { } syncFileRange)
            {
                return;
            }

            _file.Flush();
            var end = _file.Position;
            var handle = _file.SafeFileHandle;
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);

                // A count of 0 runs to the end of the file; pages already on their way are not submitted again. A
                // failure (a file system without it) changes nothing: the commit's fsync still does the work.
                _ = syncFileRange((int)handle.DangerousGetHandle(), _requestedUpTo, 0, SyncFileRangeWrite);
                _requestedUpTo = end;
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }
    }
}
