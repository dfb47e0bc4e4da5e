using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using SmimeTools.Engine.IO;
using Xunit;

namespace SmimeTools.Tests.IO
{
    /// <summary>A file digested from what its readers read: the same digest as reading it once more, whatever order they read in.</summary>
    public sealed class ReadDigestTests : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("readdigest-").FullName;
        private readonly string _path;
        private readonly byte[] _bytes = new byte[200_000];

        public ReadDigestTests()
        {
            new Random(7).NextBytes(_bytes);
            _path = Path.Combine(_folder, "message.eml");
            File.WriteAllBytes(_path, _bytes);
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private Stream Open(ReadDigest digest) => digest.Observe(new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read));

        [Fact]
        public void ReadsOutOfOrderAndTwiceGiveTheFilesDigest()
        {
            using var digest = new ReadDigest();
            var buffer = new byte[70_000];
            using (var first = Open(digest))
            using (var second = Open(digest))
            {
                // Ahead of what was read from the start: not in the digest yet.
                second.Position = 100_000;
                second.ReadExactly(buffer, 0, 50_000);
                Assert.Equal(0, digest.Covered);
                Assert.Equal(_bytes[0], first.ReadByte());
                first.ReadExactly(buffer, 0, 70_000);
                // Back to the start and over the same bytes again: nothing added twice.
                first.Position = 0;
                first.ReadExactly(buffer, 0, 60_000);
                Assert.Equal(70_001, digest.Covered);
                // Overlapping the end of what is covered: only the new part counts.
                second.Position = 65_000;
                second.ReadExactly(buffer, 0, 70_000);
                Assert.Equal(135_000, digest.Covered);
            }

            Assert.Equal(SHA256.HashData(_bytes), digest.Finish(_path, CancellationToken.None));
        }

        [Fact]
        public void AFileReadWholeNeedsNoFurtherReadAndOneNotReadIsReadByFinish()
        {
            using (var whole = new ReadDigest())
            {
                using (var stream = Open(whole))
                {
                    stream.CopyTo(Stream.Null);
                }

                Assert.Equal(_bytes.Length, whole.Covered);
                Assert.Equal(SHA256.HashData(_bytes), whole.Finish(_path, CancellationToken.None));
            }

            using var none = new ReadDigest();
            Assert.Equal(SHA256.HashData(_bytes), none.Finish(_path, CancellationToken.None));
        }
    }
}
