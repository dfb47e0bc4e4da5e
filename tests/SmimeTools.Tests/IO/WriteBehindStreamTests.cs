using System;
using System.IO;
using System.Linq;
using SmimeTools.Engine;
using SmimeTools.Engine.IO;
using Xunit;

namespace SmimeTools.Tests.IO
{
    /// <summary>
    /// Written on a thread of its own, a file gets every byte in order; a failed write is thrown to the writer, a file
    /// thrown away gets nothing more, and the stream beneath is never used while buffers are queued.
    /// </summary>
    public sealed class WriteBehindStreamTests
    {
        [Fact]
        public void WritesOfEverySizeArriveInOrder()
        {
            var random = new Random(11);
            var expected = new byte[(5 * WriteBehindStream.BufferSize) + 12345];
            random.NextBytes(expected);
            var inner = new MemoryStream();
            using (var stream = new WriteBehindStream(inner))
            {
                var at = 0;
                foreach (var size in Enumerable.Range(0, 1000).Select(_ => random.Next(1, 3 * WriteBehindStream.BufferSize)))
                {
                    var n = Math.Min(size, expected.Length - at);
                    stream.Write(expected, at, n);
                    at += n;
                    Assert.Equal(at, stream.Position);
                    if (at == expected.Length)
                    {
                        break;
                    }
                }

                stream.WriteByte(7);
                stream.Flush();
                Assert.Equal(expected.Length + 1, inner.Length);
            }

            Assert.Equal(expected, inner.ToArray()[..^1]);
            Assert.Equal(7, inner.ToArray()[^1]);
        }

        [Fact]
        public void ReadingAndSeekingWaitForWhatIsQueued()
        {
            var inner = new MemoryStream();
            using var stream = new WriteBehindStream(inner);
            var data = Enumerable.Range(0, (2 * WriteBehindStream.BufferSize) + 10).Select(i => (byte)i).ToArray();
            stream.Write(data);
            Assert.Equal(data.Length, stream.Length);
            stream.Position = WriteBehindStream.BufferSize;
            var read = new byte[20];
            Assert.Equal(20, stream.Read(read));
            Assert.Equal(data.AsSpan(WriteBehindStream.BufferSize, 20).ToArray(), read);
            Assert.Equal(WriteBehindStream.BufferSize + 20, stream.Position);
        }

        [Fact]
        public void AFailedWriteIsThrownByTheNextCallAndNothingAfterItIsWritten()
        {
            var inner = new FailingStream(failFrom: WriteBehindStream.BufferSize);
            using var stream = new WriteBehindStream(inner);
            var failure = Assert.Throws<IOException>(() =>
            {
                for (var i = 0; i < 64; i++)
                {
                    stream.Write(new byte[WriteBehindStream.BufferSize / 2]);
                }

                stream.Flush();
            });
            Assert.Equal("No space left on device", failure.Message);
            Assert.Equal(WriteBehindStream.BufferSize, inner.Length);
            Assert.Throws<IOException>(() => stream.Write(new byte[1]));
        }

        [Fact]
        public void AnAbandonedStreamDropsWhatIsQueued()
        {
            var inner = new SlowStream();
            var stream = new WriteBehindStream(inner);
            for (var i = 0; i < 4; i++)
            {
                stream.Write(new byte[WriteBehindStream.BufferSize]);
            }

            stream.Abandon();
            Assert.True(inner.Length < 4L * WriteBehindStream.BufferSize, $"{inner.Length} bytes were written after the stream was abandoned");
        }

        [Fact]
        public void ALargeFileOfTheAtomicWriterIsWholeAndAThrownAwayOneLeavesNothing()
        {
            var folder = Directory.CreateTempSubdirectory("smimetools-writebehind-");
            try
            {
                var data = new byte[(3 * WriteBehindStream.BufferSize) + 99];
                new Random(3).NextBytes(data);
                var path = Path.Combine(folder.FullName, "large.eml");
                using (var writer = AtomicFileWriter.Create(path, overwrite: false, expectedBytes: AtomicFileWriter.WriteBehindFrom))
                {
                    Assert.Equal(Environment.ProcessorCount > 1, writer.Stream is WriteBehindStream);
                    writer.Stream.Write(data);
                    writer.Commit();
                }

                Assert.Equal(data, File.ReadAllBytes(path));

                using (var thrownAway = AtomicFileWriter.Create(Path.Combine(folder.FullName, "gone.eml"), overwrite: false, expectedBytes: AtomicFileWriter.WriteBehindFrom))
                {
                    thrownAway.Stream.Write(data);
                }

                Assert.Equal(new[] { "large.eml" }, folder.GetFiles("*", new EnumerationOptions { AttributesToSkip = 0 }).Select(f => f.Name));
            }
            finally
            {
                folder.Delete(recursive: true);
            }
        }

        /// <summary>A stream that fails every write once it holds <c>failFrom</c> bytes, as a full disk does.</summary>
        private sealed class FailingStream : MemoryStream
        {
            private readonly long _failFrom;

            public FailingStream(long failFrom) => _failFrom = failFrom;

            public override void Write(byte[] buffer, int offset, int count)
            {
                if (Length >= _failFrom)
                {
                    throw new IOException("No space left on device");
                }

                base.Write(buffer, offset, count);
            }
        }

        /// <summary>A stream that takes 50 ms for each write, so that buffers queue up behind it.</summary>
        private sealed class SlowStream : MemoryStream
        {
            public override void Write(byte[] buffer, int offset, int count)
            {
                System.Threading.Thread.Sleep(50);
                base.Write(buffer, offset, count);
            }
        }
    }
}
