using System;
using System.IO;
using System.Linq;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.IO;
using Xunit;

namespace SmimeTools.Tests.IO
{
    /// <summary>A file is replaced whole and checked, or not at all; nothing is left behind either way.</summary>
    public sealed class FileReplacementTests : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("replacement-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private string Original(string text = "old")
        {
            var path = Path.Combine(_folder, "message.eml");
            File.WriteAllText(path, text);
            return path;
        }

        private string[] Leftovers() => Directory.GetFiles(_folder).Where(f => Path.GetFileName(f).EndsWith(".tmp", StringComparison.Ordinal)).ToArray();

        private static void Write(FileReplacement replacement, string text)
        {
            var bytes = Encoding.ASCII.GetBytes(text);
            replacement.Stream.Write(bytes);
        }

        [Fact]
        public void CommitPutsTheCheckedFileInPlace()
        {
            var path = Original();
            string? seen = null;
            using (var replacement = FileReplacement.Begin(path))
            {
                Write(replacement, "new");
                replacement.Commit(s => seen = new StreamReader(s).ReadToEnd());
            }

            Assert.Equal("new", seen);
            Assert.Equal("new", File.ReadAllText(path));
            Assert.Empty(Leftovers());
        }

        [SkippableFact]
        public void TheNewFileKeepsThePermissionsOfTheOld()
        {
            Skip.If(OperatingSystem.IsWindows(), "Unix permissions only.");
            if (!OperatingSystem.IsWindows())
            {
                var path = Original();
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
                using (var replacement = FileReplacement.Begin(path))
                {
                    Write(replacement, "new");
                    replacement.Commit(_ => { });
                }

                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
            }
        }

        [Fact]
        public void ARefusedCheckLeavesTheOriginal()
        {
            var path = Original();
            using (var replacement = FileReplacement.Begin(path))
            {
                Write(replacement, "broken");
                Assert.Throws<InvalidDataException>(() => replacement.Commit(_ => throw new InvalidDataException("not what was meant")));
            }

            Assert.Equal("old", File.ReadAllText(path));
            Assert.Empty(Leftovers());
        }

        [Fact]
        public void AnOriginalChangedMeanwhileIsNotReplaced()
        {
            var path = Original();
            using (var replacement = FileReplacement.Begin(path))
            {
                Write(replacement, "new");
                File.AppendAllText(path, " and more");
                var e = Assert.Throws<SmimeException>(() => replacement.Commit(_ => { }));
                Assert.Equal(ErrorIds.WriteFailed, e.ErrorId);
            }

            Assert.Equal("old and more", File.ReadAllText(path));
            Assert.Empty(Leftovers());
        }

        [Fact]
        public void DisposingWithoutCommitLeavesTheOriginal()
        {
            var path = Original();
            using (var replacement = FileReplacement.Begin(path))
            {
                Write(replacement, "new");
            }

            Assert.Equal("old", File.ReadAllText(path));
            Assert.Empty(Leftovers());
        }

        [Fact]
        public void ANewNameReplacesTheOldOne()
        {
            var path = Original();
            var renamed = Path.Combine(_folder, "message-2.eml");
            using (var replacement = FileReplacement.Begin(path))
            {
                Write(replacement, "new");
                replacement.Commit(_ => { }, renamed);
            }

            Assert.False(File.Exists(path));
            Assert.Equal("new", File.ReadAllText(renamed));
        }

        [Fact]
        public void AMissingOriginalIsPathNotFound()
        {
            var e = Assert.Throws<SmimeException>(() => FileReplacement.Begin(Path.Combine(_folder, "none.eml")));
            Assert.Equal(ErrorIds.PathNotFound, e.ErrorId);
        }

        [SkippableFact]
        public void FoldersAreFlushedAndAMissingOneIsAnError()
        {
            FolderSync.Flush(_folder);
            Skip.If(OperatingSystem.IsWindows(), "Windows renames write-through instead.");
            Assert.Throws<IOException>(() => FolderSync.Flush(Path.Combine(_folder, "absent")));
        }

        [Fact]
        public void ADeferredReplacementMakesItsTemporaryFileOnlyWhenFlushedWithTheOldPermissions()
        {
            var path = Original();
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            string? seen = null;
            using (var replacement = FileReplacement.BeginDeferred(path))
            {
                Write(replacement, "new content");
                Assert.Empty(Leftovers());
                replacement.Stream.Position = 0;
                Write(replacement, "NEW");
                replacement.FlushToDisk();
                Assert.Single(Leftovers());
                Assert.Throws<ObjectDisposedException>(() => replacement.Stream);
                replacement.Check(s =>
                {
                    seen = new StreamReader(s).ReadToEnd();
                    return null;
                });
                replacement.Rename();
                replacement.FlushFolder();
            }

            Assert.Equal("NEW content", seen);
            Assert.Equal("NEW content", File.ReadAllText(path));
            Assert.Empty(Leftovers());
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }

        [Fact]
        public void ADeferredReplacementThrownAwayMadeNoFileAndLeftTheOriginal()
        {
            var path = Original();
            using (var replacement = FileReplacement.BeginDeferred(path))
            {
                Write(replacement, "new");
                Assert.Throws<InvalidOperationException>(() => replacement.Check(_ => null));
            }

            Assert.Equal("old", File.ReadAllText(path));
            Assert.Empty(Leftovers());
        }

        [Fact]
        public void ADeferredReplacementThatGrowsLargeMovesToItsTemporaryFileWhileWritten()
        {
            var path = Original();
            using var replacement = FileReplacement.BeginDeferred(path);
            replacement.Stream.Write(new byte[SpillStream.SmallFileLimit]);
            Assert.Empty(Leftovers());
            replacement.Stream.Write(new byte[] { 7 });
            Assert.Single(Leftovers());
            replacement.Commit(s => Assert.Equal(SpillStream.SmallFileLimit + 1, s.Length));
            Assert.Equal(SpillStream.SmallFileLimit + 1, new FileInfo(path).Length);
            Assert.Empty(Leftovers());
        }

        [Fact]
        public void ADeferredReplacementWhoseFolderRefusesTheFileFailsWithWriteFailedAndKeepsTheOriginal()
        {
            // Maildir-like: the temporary folder is another, gone by the time the file is made.
            var path = Original();
            var temporary = Directory.CreateDirectory(Path.Combine(_folder, "tmp")).FullName;
            using var replacement = FileReplacement.BeginDeferred(path, temporary);
            Write(replacement, "new");
            Directory.Delete(temporary);

            var failure = Assert.Throws<SmimeException>(() => replacement.FlushToDisk());
            Assert.Equal(ErrorIds.WriteFailed, failure.ErrorId);
            Assert.Equal("old", File.ReadAllText(path));
        }
    }
}
