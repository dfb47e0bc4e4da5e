using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Works on a batch of messages on up to N threads and makes the files they wrote durable together (write all,
    /// fsync all, rename all, fsync each folder once: one folder flush instead of one wait per file). Each message's
    /// result is handed back on the calling thread, in input order, only once its file is durable and in place.
    /// </summary>
    public static class MessageBatch
    {
        /// <summary>
        /// Runs <paramref name="work"/> for each item; <paramref name="outputOf"/> names the output the work writes (null
        /// for none). <paramref name="completed"/> gets each item with its result, or with what failed for it (the work,
        /// or putting its file in place). On cancellation no file of the batch is put in place and no temporary file is left.
        /// </summary>
        public static void Run<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, MessageOutput?> outputOf, int workers,
            Func<TItem, TResult> work, Action<TItem, TResult?, Exception?> completed, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(items);
            ArgumentNullException.ThrowIfNull(outputOf);
            ArgumentNullException.ThrowIfNull(work);
            ArgumentNullException.ThrowIfNull(completed);
            var outputs = items.Select(outputOf).ToArray();
            foreach (var output in outputs)
            {
                if (output != null)
                {
                    output.DeferCommit = true;
                }
            }

            var results = new TResult?[items.Count];
            var failures = new Exception?[items.Count];
            var index = items.Select((item, i) => (item, i)).ToList();
            try
            {
                OrderedWork.Run(index, workers, entry =>
                {
                    try
                    {
                        return (Result: work(entry.item), Failure: (Exception?)null);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        outputs[entry.i]?.Discard();
                        return (Result: default(TResult), Failure: e);
                    }
                }, (entry, outcome) =>
                {
                    results[entry.i] = outcome.Result;
                    failures[entry.i] = outcome.Failure;
                }, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();

                var pending = new List<(int Index, AtomicFileWriter Writer)>();
                for (var i = 0; i < outputs.Length; i++)
                {
                    if (failures[i] == null && outputs[i]?.TakePending() is { } writer)
                    {
                        pending.Add((i, writer));
                    }
                }

                var commitFailures = AtomicFileWriter.CommitAll(pending.Select(p => p.Writer).ToList());
                for (var p = 0; p < pending.Count; p++)
                {
                    failures[pending[p].Index] ??= commitFailures[p];
                }
            }
            finally
            {
                // Stopped or failed before the commit: what was written is thrown away, temporary files included.
                foreach (var output in outputs)
                {
                    output?.Discard();
                }
            }

            for (var i = 0; i < items.Count; i++)
            {
                completed(items[i], failures[i] == null ? results[i] : default, failures[i]);
            }
        }
    }
}
