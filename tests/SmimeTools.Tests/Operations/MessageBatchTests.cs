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
    /// <summary>A batch of messages: results in input order, each only once its file is in place; failures stay with their message.</summary>
    public sealed class MessageBatchTests : IDisposable
    {
        private readonly MessageFileFolder _folder = new("msgbatch-");

        public void Dispose() => _folder.Dispose();

        private string[] Files() => _folder.Files();

        private MessageOutput Output(int i) => _folder.Output(i);

        private static string Write(MessageOutput output, int i) => MessageFileFolder.Write(output, i);

        [Theory]
        [InlineData(1)]
        [InlineData(3)]
        public void ResultsComeInInputOrderEachWithItsFileInPlace(int workers)
        {
            var items = Enumerable.Range(0, 20).Select(i => (Index: i, Output: Output(i))).ToList();
            var seen = new List<int>();
            MessageBatch.Run(items, m => m.Output, workers, m =>
            {
                Thread.Sleep((20 - m.Index) % 4);
                return Write(m.Output, m.Index);
            }, (m, path, failure) =>
            {
                Assert.Null(failure);
                Assert.Equal(1000 + m.Index, new FileInfo(path!).Length);
                seen.Add(m.Index);
            });

            Assert.Equal(Enumerable.Range(0, 20), seen);
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i:000}.eml"), Files());
        }

        [Fact]
        public void AFailingMessageOrRenameIsThatMessagesErrorAndLeavesNothingOfIt()
        {
            var items = Enumerable.Range(0, 4).Select(i => (Index: i, Output: Output(i))).ToList();
            var outcomes = new Dictionary<int, Exception?>();
            MessageBatch.Run(items, m => m.Output, 2, m =>
            {
                var path = Write(m.Output, m.Index);
                if (m.Index == 1)
                {
                    throw new SmimeException(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData, "bad", "none", null);
                }

                if (m.Index == 2)
                {
                    // Something else takes the name before the batch renames into it.
                    Directory.CreateDirectory(path);
                }

                return path;
            }, (m, _, failure) => outcomes[m.Index] = failure);

            Assert.Null(outcomes[0]);
            Assert.Equal(ErrorIds.MalformedMessage, ((SmimeException)outcomes[1]!).ErrorId);
            Assert.Equal(ErrorIds.WriteFailed, ((SmimeException)outcomes[2]!).ErrorId);
            Assert.Null(outcomes[3]);
            Assert.Equal(new[] { "m000.eml", "m003.eml" }, Files());
        }

        [Fact]
        public void AStoppedBatchPutsNoFileInPlaceAndLeavesNoTemporaryFile()
        {
            using var stop = new CancellationTokenSource();
            var items = Enumerable.Range(0, 6).Select(i => (Index: i, Output: Output(i))).ToList();
            var completed = 0;
            Assert.ThrowsAny<OperationCanceledException>(() => MessageBatch.Run(items, m => m.Output, 2, m =>
            {
                var path = Write(m.Output, m.Index);
                if (m.Index == 3)
                {
                    stop.Cancel();
                }

                return path;
            }, (_, _, _) => completed++, stop.Token));

            Assert.Equal(0, completed);
            Assert.Empty(Files());
        }
    }
}
