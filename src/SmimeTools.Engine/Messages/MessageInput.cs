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
        private readonly long _offset;
        private readonly long? _length;
        private string? _displayName;
        private IO.ReadDigest? _digest;

        private MessageInput(string? path, byte[]? bytes, long offset = 0, long? length = null)
        {
            Path = path;
            _bytes = bytes;
            _offset = offset;
            _length = length;
        }

        /// <summary>The file the message is in; null for a message given in memory.</summary>
        public string? Path { get; }

        /// <summary>A name for messages and errors: the path, or "(message in memory)".</summary>
        public string DisplayName => _displayName ?? Path ?? "(message in memory)";

        /// <summary>The size of the message in bytes; null when the file cannot be read.</summary>
        public long? Length => _bytes != null ? _bytes.Length : _length ?? (new FileInfo(Path!) is { Exists: true } file ? file.Length : null);

        /// <summary>Where the message starts in its file: not 0 for one message of an mbox file.</summary>
        public long Offset => _offset;

        /// <summary>True when <see cref="Open"/> may be called twice to read the message on two threads: a file whose reads are not digested.</summary>
        internal bool MayOpenTwice => Path != null && _digest == null;

        public static MessageInput FromFile(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            return new MessageInput(System.IO.Path.GetFullPath(path), null);
        }

        /// <summary>A message file whose every read also goes into <paramref name="digest"/>, so it is digested as it is read.</summary>
        internal static MessageInput FromFile(string path, IO.ReadDigest digest)
        {
            var input = FromFile(path);
            input._digest = digest;
            return input;
        }

        /// <summary>One message inside a file, as a message of an mbox file: <paramref name="length"/> bytes from <paramref name="offset"/>.</summary>
        public static MessageInput FromFileRange(string path, long offset, long length)
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentOutOfRangeException.ThrowIfNegative(offset);
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            return new MessageInput(System.IO.Path.GetFullPath(path), null, offset, length);
        }

        /// <summary>
        /// One message inside a file that stands in for another (a snapshot of an mbox file), named in messages and errors as
        /// <paramref name="displayName"/>.
        /// </summary>
        public static MessageInput FromFileRange(string path, long offset, long length, string displayName)
        {
            ArgumentNullException.ThrowIfNull(displayName);
            var input = FromFileRange(path, offset, length);
            input._displayName = displayName;
            return input;
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
                var file = IO.BufferSizes.OpenRead(Path!, FileShare.Read, FileOptions.SequentialScan, _length);
                return _length is { } length ? new MimeKit.IO.BoundStream(file, _offset, _offset + length, leaveOpen: false) : _digest?.Observe(file) ?? file;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ReadError,
                    $"Cannot read the message '{Path}': {e.Message}", "Check that the file exists and that you may read it.", Path, e);
            }
        }
    }
}
