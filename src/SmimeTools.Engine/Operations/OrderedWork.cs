using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Runs work on several threads and hands each result back on the calling thread, in input order, as soon as it
    /// and those before it are done: the caller (a cmdlet writing to its pipeline) never sees another thread.
    /// </summary>
    internal static class OrderedWork
    {
        public static void Run<TIn, TOut>(IReadOnlyList<TIn> items, int workers, Func<TIn, TOut> work, Action<TIn, TOut> completed,
            CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(items);
            if (workers <= 1 || items.Count <= 1)
            {
                foreach (var item in items)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    completed(item, work(item));
                }

                return;
            }

            var results = new TOut[items.Count];
            var failures = new Exception?[items.Count];
            var ready = new bool[items.Count];
            var gate = new object();
            var next = -1;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var threads = new Task[Math.Min(workers, items.Count)];
            for (var t = 0; t < threads.Length; t++)
            {
                threads[t] = Task.Factory.StartNew(() =>
                {
                    int index;
                    while (!stop.IsCancellationRequested && (index = Interlocked.Increment(ref next)) < items.Count)
                    {
                        try
                        {
                            results[index] = work(items[index]);
                        }
                        catch (Exception e)
                        {
                            failures[index] = e;
                        }

                        lock (gate)
                        {
                            ready[index] = true;
                            Monitor.PulseAll(gate);
                        }
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }

            try
            {
                for (var i = 0; i < items.Count; i++)
                {
                    lock (gate)
                    {
                        while (!ready[i])
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            Monitor.Wait(gate, 100);
                        }
                    }

                    if (failures[i] is { } failure)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                    }

                    completed(items[i], results[i]);
                    results[i] = default!;
                }
            }
            finally
            {
                // Stopping: workers finish the item they hold (each leaves nothing half-written) and take no more.
                stop.Cancel();
                Task.WaitAll(threads);
            }
        }
    }
}
