using System;
using System.IO;
using SmimeTools.Engine.IO;
using Xunit;

namespace SmimeTools.Tests.IO
{
    /// <summary>Scratch files: gone when disposed, and on Unix never on disk by name when nobody opens them so, so a killed process leaves none.</summary>
    public sealed class TemporaryFileTests : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("scratch-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private string[] Files() => Directory.GetFiles(_folder, "*", new EnumerationOptions { AttributesToSkip = 0 });

        [Fact]
        public void AScratchFileHoldsWhatIsWrittenAndLeavesNothing()
        {
            using (var scratch = TemporaryFile.Create(_folder))
            {
                scratch.Stream.Write("scratch"u8);
                Assert.Equal("scratch"u8.ToArray(), ReadAll(scratch.Rewind()));
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Empty(Files());
                }
            }

            Assert.Empty(Files());
        }

        [Fact]
        public void AScratchPastItsMemoryLimitMovesToAFileWithEverythingWrittenSoFar()
        {
            // Written in uneven pieces across the limit, overwritten, cut and grown again: what is read is what was written.
            var expected = new MemoryStream();
            using (var scratch = TemporaryFile.Create(_folder))
            {
                var random = new Random(7);
                while (expected.Length < TemporaryFile.MemoryLimit + 100_000)
                {
                    var piece = new byte[random.Next(1, 40_000)];
                    random.NextBytes(piece);
                    scratch.Stream.Write(piece);
                    expected.Write(piece);
                }

                scratch.Stream.Position = 10;
                scratch.Stream.Write("overwritten"u8);
                expected.Position = 10;
                expected.Write("overwritten"u8);
                scratch.Stream.SetLength(TemporaryFile.MemoryLimit + 5);
                expected.SetLength(TemporaryFile.MemoryLimit + 5);

                Assert.Equal(expected.ToArray(), ReadAll(scratch.Rewind()));
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Empty(Files());
                }
            }

            Assert.Empty(Files());
        }

        [Fact]
        public void ASmallScratchNeverTouchesTheFolder()
        {
            // A folder that does not exist: a scratch that stays in memory never needs it.
            using var scratch = TemporaryFile.Create(Path.Combine(_folder, "missing"));
            scratch.Stream.Write(new byte[TemporaryFile.MemoryLimit]);
            Assert.Equal(TemporaryFile.MemoryLimit, scratch.Rewind().Length);
            scratch.Stream.Seek(0, SeekOrigin.End);
            Assert.Throws<DirectoryNotFoundException>(() => scratch.Stream.WriteByte(1));
        }

        [Fact]
        public void ASharedScratchFileCanBeOpenedByNameAndANamedOneReplacesALeftover()
        {
            var path = Path.Combine(_folder, ".box.smimetools-snapshot");
            File.WriteAllText(path, "left by a killed run");
            using (var scratch = TemporaryFile.CreateAt(path, shared: true))
            {
                scratch.Stream.Write("new"u8);
                scratch.Stream.Flush();
                Assert.Equal("new", File.ReadAllText(scratch.Path));
            }

            Assert.Empty(Files());
        }

        private static byte[] ReadAll(Stream stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
