using System;
using System.IO;
using System.Threading;

namespace SmimeTools.Engine.Messages
{
    /// <summary>Copies a range of a stream with every bare LF written as CRLF (lone CRs stay), a chunk at a time.</summary>
    internal static class CrlfCopy
    {
        private const int ChunkSize = 1 << 20;

        public static void Copy(Stream source, long start, long end, Stream output, CancellationToken cancellationToken)
        {
            var buffer = new byte[ChunkSize];
            var previous = (byte)0;
            if (start > 0)
            {
                // An LF at the very start is bare unless a CR stands before it in the source.
                source.Position = start - 1;
                previous = (byte)Math.Max(0, source.ReadByte());
            }

            source.Position = start;
            var left = end - start;
            while (left > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0)
                {
                    break;
                }

                left -= read;
                var chunk = buffer.AsSpan(0, read);
                var from = 0;
                var search = 0;
                while (true)
                {
                    var n = chunk[search..].IndexOf((byte)'\n');
                    if (n < 0)
                    {
                        break;
                    }

                    var at = search + n;
                    var before = at > 0 ? chunk[at - 1] : previous;
                    if (before != '\r')
                    {
                        output.Write(chunk[from..at]);
                        output.Write("\r\n"u8);
                        from = at + 1;
                    }

                    search = at + 1;
                }

                output.Write(chunk[from..]);
                previous = chunk[^1];
            }
        }
    }
}
