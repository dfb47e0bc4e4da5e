using System;
using System.IO;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// Buffers sized to what they will hold. A pipeline of small messages makes each of its buffers once per message, and
    /// the runtime clears every new array: fixed 64 KiB buffers made a 4 KB message allocate 1.5 MB, most of what its
    /// garbage collections cost. Large inputs still get 64 KiB.
    /// </summary>
    internal static class BufferSizes
    {
        /// <summary>The size for data of unknown or large size.</summary>
        public const int Default = 64 * 1024;

        private const int Smallest = 512;

        /// <summary>A buffer for <paramref name="bytes"/> bytes (negative: not known).</summary>
        public static int For(long bytes) => bytes < 0 ? Default : (int)Math.Clamp(bytes, Smallest, Default);

        /// <summary>A buffer for reading what is left of <paramref name="stream"/>.</summary>
        public static int ForReading(Stream stream) => For(Remaining(stream));

        /// <summary>
        /// At most how many bytes are left to read in <paramref name="stream"/>: what is left of its length when it seeks, the
        /// bound a decoding stream knows from its source, or -1 when that cannot be known.
        /// </summary>
        public static long Remaining(Stream stream)
        {
            ArgumentNullException.ThrowIfNull(stream);
            try
            {
                if (stream is IRemainingBound bounded)
                {
                    return bounded.MostRemaining;
                }

                return stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : -1;
            }
            catch (Exception e) when (e is NotSupportedException or ObjectDisposedException or IOException)
            {
                return -1;
            }
        }

        /// <summary>
        /// A file opened for reading with a buffer no larger than the file, or than <paramref name="readLength"/> when only that
        /// much of it is read.
        /// </summary>
        public static FileStream OpenRead(string path, FileShare share, FileOptions options = FileOptions.None, long? readLength = null)
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, share, options);
            try
            {
                return new FileStream(handle, FileAccess.Read, For(readLength ?? RandomAccess.GetLength(handle)));
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }
    }

    /// <summary>A stream that cannot seek but knows at most how many bytes are left to read in it (-1: not known).</summary>
    internal interface IRemainingBound
    {
        long MostRemaining { get; }
    }
}
