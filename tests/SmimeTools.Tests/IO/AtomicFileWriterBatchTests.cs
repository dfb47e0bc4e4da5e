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
    }
}
