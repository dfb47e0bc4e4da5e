using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SmimeTools.Engine;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using Xunit;

namespace SmimeTools.Tests.Operations
{
    /// <summary>
    /// Many batches in one queue: the next batch is worked on while one commits, yet results come in input order, each
    /// once its file is in place; a stop leaves whole committed batches and nothing else.
    /// </summary>
    public sealed class MessageBatchQueueTests : IDisposable
    {
        private readonly MessageFileFolder _folder = new("msgqueue-");

        public void Dispose() => _folder.Dispose();

        private string[] Files() => _folder.Files();

        private MessageOutput Output(int i) => _folder.Output(i);

        private static string Write(MessageOutput output, int i) => MessageFileFolder.Write(output, i);

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(4)]
        public void ResultsComeInInputOrderEachWithItsFileInPlaceAcrossBatches(int workers)
        {
            var seen = new List<int>();
            var queue = new MessageBatchQueue<(int Index, MessageOutput Output), string>(m => m.Output, workers, batchSize: 5, m =>
            {
                Thread.Sleep(m.Index % 3);
                var path = Write(m.Output, m.Index);
                if (m.Index == 12)
                {
                    throw new SmimeException(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData, "bad", "none", null);
                }

                return path;
            }, (m, path, failure) =>
            {
                if (m.Index == 12)
                {
                    Assert.Equal(ErrorIds.MalformedMessage, Assert.IsType<SmimeException>(failure).ErrorId);
                    Assert.False(File.Exists(m.Output.Path));
                }
                else
                {
                    Assert.Null(failure);
                    Assert.Equal(1000 + m.Index, new FileInfo(path!).Length);
                }

                seen.Add(m.Index);
            });
            for (var i = 0; i < 43; i++)
            {
                queue.Add((i, Output(i)));
            }

            queue.Finish();
            Assert.Equal(Enumerable.Range(0, 43), seen);
            Assert.Equal(Enumerable.Range(0, 43).Where(i => i != 12).Select(i => $"m{i:000}.eml"), Files());
        }

        [Fact]
        public void TheNextBatchIsWorkedOnBeforeTheOneBeforeIsHandedBack()
        {
            using var laterBatchStarted = new ManualResetEventSlim();
            var handedBack = 0;
            var startedBeforeHandBack = new List<int>();
            var sawLaterBatch = false;
            using var queue = new MessageBatchQueue<(int Index, MessageOutput Output), string>(m => m.Output, 2, batchSize: 4, m =>
            {
                if (m.Index >= 4 && Volatile.Read(ref handedBack) < 4)
                {
                    lock (startedBeforeHandBack)
                    {
                        startedBeforeHandBack.Add(m.Index);
                    }

                    laterBatchStarted.Set();
                }

                if (m.Index == 3)
                {
                    // The last message of the first batch holds it back until a message of the second batch is being worked on.
                    sawLaterBatch = laterBatchStarted.Wait(TimeSpan.FromSeconds(20));
                }

                return Write(m.Output, m.Index);
            }, (m, path, failure) =>
            {
                Assert.Null(failure);
                Assert.True(File.Exists(path));
                Assert.Equal(handedBack, m.Index);
                Interlocked.Increment(ref handedBack);
            });
            for (var i = 0; i < 12; i++)
            {
                queue.Add((i, Output(i)));
            }

            queue.Finish();
            Assert.True(sawLaterBatch);
            Assert.Contains(4, startedBeforeHandBack);
            Assert.Equal(12, handedBack);
            Assert.Equal(12, Files().Length);
        }

        [Theory]
        [InlineData(1, 3)]
        [InlineData(1, 29)]
        [InlineData(2, 11)]
        [InlineData(2, 30)]
        [InlineData(3, 47)]
        public void AStopLeavesWholeCommittedBatchesOnlyAndNoTemporaryFile(int workers, int stopAt)
        {
            const int batchSize = 6;
            using var stop = new CancellationTokenSource();
            var handedBack = new List<int>();
            var queue = new MessageBatchQueue<(int Index, MessageOutput Output), string>(m => m.Output, workers, batchSize, m =>
            {
                var path = Write(m.Output, m.Index);
                if (m.Index == stopAt)
                {
                    // Ctrl+C while this batch works, the one before perhaps committing, and those before it handed back.
                    stop.Cancel();
                }

                return path;
            }, (m, path, failure) =>
            {
                Assert.Null(failure);
                Assert.True(File.Exists(path));
                handedBack.Add(m.Index);
            }, stop.Token);
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                for (var i = 0; i < 60; i++)
                {
                    queue.Add((i, Output(i)));
                }

                queue.Finish();
            });
            queue.Dispose();

            var files = Files();
            Assert.All(files, f => Assert.EndsWith(".eml", f));
            Assert.DoesNotContain(files, f => f.StartsWith('.'));
            var placed = files.Select(f => int.Parse(f.Substring(1, 3), System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
            // Each batch is in place whole or not at all, and the batch of the stop (still working) not at all.
            foreach (var batch in placed.Select(i => i / batchSize).Distinct())
            {
                Assert.All(Enumerable.Range(batch * batchSize, batchSize), i => Assert.Contains(i, placed));
            }

            Assert.DoesNotContain(stopAt, placed);
            Assert.Subset(placed, handedBack.ToHashSet());
            Assert.Equal(Enumerable.Range(0, handedBack.Count), handedBack);
        }

        [Fact]
        public void ResultsInMemoryOneAtATimeAreHandedBackAtOnce()
        {
            var handedBack = new List<int>();
            using var queue = new MessageBatchQueue<int, int>(_ => null, 1, batchSize: 1, i => i * 2, (i, result, failure) =>
            {
                Assert.Null(failure);
                Assert.Equal(i * 2, result);
                handedBack.Add(i);
            });
            for (var i = 0; i < 30; i++)
            {
                queue.Add(i);
                // No file to wait for: the result is written before the next message is read.
                Assert.Equal(i + 1, handedBack.Count);
            }

            queue.Finish();
            Assert.Equal(Enumerable.Range(0, 30), handedBack);
        }

        [Fact]
        public void ResultsInMemoryOnSeveralThreadsComeInInputOrder()
        {
            var handedBack = new List<int>();
            var queue = new MessageBatchQueue<int, int>(_ => MessageOutput.ToMemory(), 3, batchSize: 4, i =>
            {
                Thread.Sleep(i * 7 % 3);
                return i == 9 ? throw new InvalidOperationException("nine") : i * 2;
            }, (i, result, failure) =>
            {
                Assert.Equal(i == 9, failure is InvalidOperationException);
                Assert.Equal(i == 9 ? 0 : i * 2, result);
                handedBack.Add(i);
            });
            for (var i = 0; i < 50; i++)
            {
                queue.Add(i);
            }

            queue.Finish();
            Assert.Equal(Enumerable.Range(0, 50), handedBack);
        }

        [Fact]
        public void DisposedWithoutFinishingPutsNoUncommittedFileInPlace()
        {
            var handedBack = 0;
            var queue = new MessageBatchQueue<(int Index, MessageOutput Output), string>(m => m.Output, 2, batchSize: 4,
                m => Write(m.Output, m.Index), (_, _, _) => handedBack++);
            for (var i = 0; i < 10; i++)
            {
                queue.Add((i, Output(i)));
            }

            // A pipeline stopped downstream (Select-Object -First): the last two messages are in no full batch yet.
            queue.Dispose();
            var files = Files();
            Assert.DoesNotContain(files, f => f.StartsWith('.'));
            Assert.DoesNotContain("m008.eml", files);
            Assert.DoesNotContain("m009.eml", files);
            Assert.True(files.Length is 0 or 4 or 8);
            Assert.True(handedBack <= files.Length);
        }
    }
}
