using System;
using System.IO;
using System.Linq;
using SmimeTools.Engine;
using SmimeTools.Engine.IO;
using Xunit;

namespace SmimeTools.Tests.IO
{
    /// <summary>Files committed together: complete and in place after the batch, a failing rename is that file's alone, no temporary file left.</summary>
    public sealed class AtomicFileWriterBatchTests : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("batch-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private string[] Files() => Directory.GetFiles(_folder, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(Path.GetFileName).Order().ToArray()!;

        [Fact]
        public void EveryFileOfABatchIsCompleteAndInPlaceAfterIt()
        {
            var writers = Enumerable.Range(0, 5).Select(i => AtomicFileWriter.Create(Path.Combine(_folder, $"m{i}.eml"), overwrite: false)).ToList();
            for (var i = 0; i < writers.Count; i++)
            {
                writers[i].Stream.Write(new byte[100_000 + i]);
            }

            // Nothing is visible under its name before the commit.
            Assert.DoesNotContain(Files(), f => f.EndsWith(".eml", StringComparison.Ordinal));
            var failures = AtomicFileWriter.CommitAll(writers);

            Assert.All(failures, Assert.Null);
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"m{i}.eml"), Files());
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(100_000 + i, new FileInfo(Path.Combine(_folder, $"m{i}.eml")).Length);
            }
        }

        [Fact]
        public void AFailingRenameIsReportedForItsFileAndTheOthersGoOn()
        {
            var writers = Enumerable.Range(0, 3).Select(i => AtomicFileWriter.Create(Path.Combine(_folder, $"m{i}.eml"), overwrite: i != 1)).ToList();
            foreach (var writer in writers)
            {
                writer.Stream.Write("message"u8);
            }

            // Another writer got there first: m1.eml exists now, and m1 may not overwrite it.
            File.WriteAllText(Path.Combine(_folder, "m1.eml"), "the original");
            // A folder now stands where m2.eml goes: no rename can replace it.
            Directory.CreateDirectory(Path.Combine(_folder, "m2.eml"));

            var failures = AtomicFileWriter.CommitAll(writers);

            Assert.Null(failures[0]);
            Assert.Equal(ErrorIds.DestinationExists, failures[1]!.ErrorId);
            Assert.Equal(ErrorIds.WriteFailed, failures[2]!.ErrorId);
            Assert.Equal("message", File.ReadAllText(Path.Combine(_folder, "m0.eml")));
            Assert.Equal("the original", File.ReadAllText(Path.Combine(_folder, "m1.eml")));
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_folder, "m2.eml")));
            Assert.Equal(new[] { "m0.eml", "m1.eml" }, Files());
            foreach (var writer in writers)
            {
                writer.Dispose();
            }

            Assert.Equal(new[] { "m0.eml", "m1.eml" }, Files());
        }

        [Fact]
        public void ASmallDeferredFileIsMadeOnlyByTheCommit()
        {
            var path = Path.Combine(_folder, "small.eml");
            using var writer = AtomicFileWriter.CreateDeferred(path, overwrite: false, privateFile: true, expectedBytes: 3000);
            writer.Stream.Write(new byte[3000]);
            writer.Stream.Position = 10;
            writer.Stream.Write("abc"u8);

            // Still in memory: no temporary file, nothing under the name.
            Assert.Empty(Files());
            var failures = AtomicFileWriter.CommitAll(new[] { writer });

            Assert.Null(failures[0]);
            Assert.Equal(new[] { "small.eml" }, Files());
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(3000, bytes.Length);
            Assert.Equal("abc"u8.ToArray(), bytes[10..13]);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }

        [Fact]
        public void ADeferredFileThatOutgrowsTheLimitMovesToItsTemporaryFileWithAllItHeld()
        {
            var path = Path.Combine(_folder, "large.eml");
            using var writer = AtomicFileWriter.CreateDeferred(path, overwrite: false, privateFile: false, expectedBytes: -1);
            var first = Enumerable.Range(0, SpillStream.SmallFileLimit - 5).Select(i => (byte)i).ToArray();
            writer.Stream.Write(first);
            Assert.Empty(Files());

            // Past the limit: the temporary file appears with what was held, and the position carries over.
            writer.Stream.Write(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
            Assert.Single(Files(), f => f.EndsWith(".tmp", StringComparison.Ordinal));
            writer.Stream.SetLength(SpillStream.SmallFileLimit + 2);
            writer.Stream.Position = 0;
            var back = new byte[3];
            Assert.Equal(3, writer.Stream.Read(back));
            Assert.Equal(first[..3], back);

            Assert.Null(AtomicFileWriter.CommitAll(new[] { writer })[0]);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(SpillStream.SmallFileLimit + 2, bytes.Length);
            Assert.Equal(first, bytes[..first.Length]);
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7 }, bytes[first.Length..]);
            Assert.Equal(new[] { "large.eml" }, Files());
        }

        [Fact]
        public void ADeferredFileWhoseFolderIsGoneFailsAloneWithWriteFailed()
        {
            var gone = Directory.CreateDirectory(Path.Combine(_folder, "gone")).FullName;
            var writers = new[]
            {
                AtomicFileWriter.CreateDeferred(Path.Combine(_folder, "kept.eml"), overwrite: false, privateFile: false, expectedBytes: 10),
                AtomicFileWriter.CreateDeferred(Path.Combine(gone, "lost.eml"), overwrite: false, privateFile: false, expectedBytes: 10),
            };
            foreach (var writer in writers)
            {
                writer.Stream.Write("message"u8);
            }

            Directory.Delete(gone);
            var failures = AtomicFileWriter.CommitAll(writers);

            Assert.Null(failures[0]);
            Assert.Equal(ErrorIds.WriteFailed, failures[1]!.ErrorId);
            Assert.Contains("lost.eml", failures[1]!.Message, StringComparison.Ordinal);
            Assert.Equal("message", File.ReadAllText(Path.Combine(_folder, "kept.eml")));
            Assert.False(Directory.Exists(gone));
            foreach (var writer in writers)
            {
                writer.Dispose();
            }
        }

        [Fact]
        public void ADeferredFileThrownAwayLeavesNothing()
        {
            var writer = AtomicFileWriter.CreateDeferred(Path.Combine(_folder, "dropped.eml"), overwrite: false, privateFile: false, expectedBytes: 10);
            writer.Stream.Write("message"u8);
            writer.Dispose();

            Assert.Empty(Files());
            Assert.Throws<ObjectDisposedException>(() => writer.Stream);
        }
    }
}
