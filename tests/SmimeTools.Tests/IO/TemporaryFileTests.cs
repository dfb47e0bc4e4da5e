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
        public void ASharedScratchFileCanBeOpenedByNameAndANamedOneReplacesALeftover()
        {
            var path = Path.Combine(_folder, ".box.smimetools-snapshot");
            File.WriteAllText(path, "left by a killed run");
            using (var scratch = TemporaryFile.CreateAt(path, shared: true))
            {
                scratch.Stream.Write("new"u8);
                scratch.Stream.Flush();
                Assert.Equal("new", File.ReadAllText(scratch.Stream.Name));
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
