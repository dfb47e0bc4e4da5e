using System;
using System.Collections.Generic;
using System.Threading;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Works on a batch of messages on up to N threads and makes the files they wrote durable together (write all,
    /// fsync all, rename all, fsync each folder once: one folder flush instead of one wait per file). Each message's
    /// result is handed back on the calling thread, in input order, only once its file is durable and in place.
    /// A pipeline of many messages uses <see cref="MessageBatchQueue{TItem, TResult}"/>, which works on the next batch while one commits.
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
            // One batch of them all: nothing is handed back before every file of it is in place.
            using var queue = new MessageBatchQueue<TItem, TResult>(outputOf, workers, Math.Max(1, items.Count), work, completed, cancellationToken);
            foreach (var item in items)
            {
                queue.Add(item);
            }

            queue.Finish();
        }
    }
}
