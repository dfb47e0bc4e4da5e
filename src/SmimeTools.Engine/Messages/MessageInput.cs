using System;
using System.IO;
using System.Text;

namespace SmimeTools.Engine.Messages
{
    /// <summary>
    /// Where a message comes from: a file (read in place, never loaded whole) or bytes in memory.
    /// </summary>
    public sealed class MessageInput
    {
        private readonly byte[]? _bytes;

        private MessageInput(string? path, byte[]? bytes)
        {
            Path = path;
            _bytes = bytes;
        }

        /// <summary>The file the message is in; null for a message given in memory.</summary>
        public string? Path { get; }

        /// <summary>A name for messages and errors: the path, or "(message in memory)".</summary>
        public string DisplayName => Path ?? "(message in memory)";

        /// <summary>The size of the message in bytes; null when the file cannot be read.</summary>
        public long? Length => _bytes != null ? _bytes.Length : File.Exists(Path) ? new FileInfo(Path!).Length : null;

        public static MessageInput FromFile(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            return new MessageInput(System.IO.Path.GetFullPath(path), null);
        }

        public static MessageInput FromBytes(byte[] bytes)
        {
            ArgumentNullException.ThrowIfNull(bytes);
            return new MessageInput(null, bytes);
        }

        /// <summary>MIME text, as from Get-Content -Raw; non-ASCII characters are taken as UTF-8.</summary>
        public static MessageInput FromText(string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            return new MessageInput(null, Encoding.UTF8.GetBytes(text));
        }

        internal Stream Open()
        {
            if (_bytes != null)
            {
                return new MemoryStream(_bytes, writable: false);
            }

            try
            {
                return new FileStream(Path!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ReadError,
                    $"Cannot read the message '{Path}': {e.Message}", "Check that the file exists and that you may read it.", Path, e);
            }
        }
    }
}
