using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Messages of a pipeline, worked on by up to N threads and made durable in batches (<see cref="AtomicFileWriter.CommitAll"/>),
    /// with the next batch worked on while the one before is committed: the workers never wait for a batch's slowest fsync.
    /// Results are handed back on the calling thread, in input order, each only once its batch's files are durable and in
    /// place; at most <c>batchesInFlight</c> full batches wait for that, beside the one being filled. With one worker the
    /// work runs on the calling thread (a key that signs one at a time, a PIN asked for there) and only the commit runs beside it.
    /// </summary>
    public sealed class MessageBatchQueue<TItem, TResult> : IDisposable
    {
        private readonly Func<TItem, MessageOutput?> _outputOf;
        private readonly Func<TItem, TResult> _work;
        private readonly Action<TItem, TResult?, Exception?> _completed;
        private readonly int _workers;
        private readonly int _batchSize;
        private readonly int _batchesInFlight;
        private readonly CancellationToken _cancellationToken;
        private readonly CancellationTokenSource _stop;
        private readonly object _gate = new();

        /// <summary>Full batches not handed back yet, in input order (the committer takes them in this order too).</summary>
        private readonly Queue<Batch> _full = new();

        /// <summary>Messages of any batch waiting for a worker thread.</summary>
        private readonly Queue<Entry> _waiting = new();

        private readonly List<Thread> _threads = new();
        private Batch _filling = new();
        private Thread? _committer;
        private bool _finishing;
        private bool _disposed;

        /// <summary>
        /// <paramref name="work"/> runs for each item (on a worker thread when <paramref name="workers"/> is above 1);
        /// <paramref name="outputOf"/> names the output it writes (null for none); <paramref name="completed"/> gets each
        /// item with its result, or with what failed for it (the work, or putting its file in place), on the thread that
        /// calls <see cref="Add"/> and <see cref="Finish"/>. On cancellation no file of a batch not yet committing is put in
        /// place, and once this is disposed no temporary file is left.
        /// </summary>
        public MessageBatchQueue(Func<TItem, MessageOutput?> outputOf, int workers, int batchSize, Func<TItem, TResult> work,
            Action<TItem, TResult?, Exception?> completed, CancellationToken cancellationToken = default, int batchesInFlight = 2)
        {
            ArgumentNullException.ThrowIfNull(outputOf);
            ArgumentNullException.ThrowIfNull(work);
            ArgumentNullException.ThrowIfNull(completed);
            ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(batchesInFlight, 1);
            _outputOf = outputOf;
            _work = work;
            _completed = completed;
            _workers = Math.Max(1, workers);
            _batchSize = batchSize;
            _batchesInFlight = batchesInFlight;
            _cancellationToken = cancellationToken;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        }

        /// <summary>
        /// Takes one item into the batch being filled and hands back the results that are ready; waits when
        /// <c>batchesInFlight</c> full batches are not durable yet. A failure here (a stop, or one thrown by the
        /// completion callback) disposes the queue.
        /// </summary>
        public void Add(TItem item)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                ThrowIfStopped();
                var output = _outputOf(item);
                if (output != null)
                {
                    output.DeferCommit = true;
                }

                var entry = new Entry(item, output, _filling);
                lock (_gate)
                {
                    _filling.Entries.Add(entry);
                    _filling.Running++;
                    if (_workers > 1)
                    {
                        _waiting.Enqueue(entry);
                        Monitor.PulseAll(_gate);
                    }
                }

                if (_workers > 1)
                {
                    StartWorkers();
                }
                else
                {
                    Run(entry);
                    ThrowIfStopped();
                }

                if (_filling.Entries.Count >= _batchSize)
                {
                    Seal();
                }

                HandBack(wait: false);
                while (CountFull() > _batchesInFlight)
                {
                    HandBack(wait: true);
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>Commits what is left, hands back every result in order, and disposes the queue.</summary>
        public void Finish()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                if (_filling.Entries.Count > 0)
                {
                    Seal();
                }

                lock (_gate)
                {
                    _finishing = true;
                    Monitor.PulseAll(_gate);
                }

                while (CountFull() > 0)
                {
                    HandBack(wait: true);
                }
            }
            finally
            {
                Dispose();
            }
        }

        /// <summary>
        /// Stops: workers finish the message they hold and take no more, a commit under way ends, and what was written and
        /// not committed is thrown away, temporary files included. Results not handed back yet are dropped.
        /// </summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            lock (_gate)
            {
                _finishing = true;
                Monitor.PulseAll(_gate);
            }

            _stop.Cancel();
            foreach (var thread in _threads)
            {
                thread.Join();
            }

            _committer?.Join();
            foreach (var batch in _full.Append(_filling))
            {
                foreach (var entry in batch.Entries)
                {
                    entry.Output?.Discard();
                }
            }

            _full.Clear();
            _filling = new Batch();
            _stop.Dispose();
        }

        private void ThrowIfStopped()
        {
            if (_stop.IsCancellationRequested)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                throw new OperationCanceledException(_stop.Token);
            }
        }

        private int CountFull()
        {
            lock (_gate)
            {
                return _full.Count;
            }
        }

        /// <summary>The batch being filled is full (or the input ended): it goes to the committer once its work is done.</summary>
        private void Seal()
        {
            var needsCommit = _filling.Entries.Any(e => e.Output?.Path != null);
            lock (_gate)
            {
                _filling.Sealed = true;
                _full.Enqueue(_filling);
                CompleteWithoutCommit(_filling);
                _filling = new Batch();
                Monitor.PulseAll(_gate);
            }

            if (needsCommit && _committer == null)
            {
                _committer = new Thread(CommitLoop) { IsBackground = true, Name = "SmimeTools commit" };
                _committer.Start();
            }
        }

        /// <summary>
        /// A full batch whose work is done and that has no file to make durable (results in memory, or none that succeeded)
        /// is handed back without waiting for the committer. Called under the lock.
        /// </summary>
        private static void CompleteWithoutCommit(Batch batch)
        {
            if (batch.Sealed && !batch.Claimed && batch.Running == 0 && batch.Entries.All(e => e.Output?.Pending == null))
            {
                batch.Claimed = true;
                batch.Committed = true;
            }
        }

        /// <summary>Hands back the oldest full batch once it is durable (waiting for it when asked), and every one after it that is.</summary>
        private void HandBack(bool wait)
        {
            while (true)
            {
                Batch batch;
                lock (_gate)
                {
                    if (_full.Count == 0)
                    {
                        return;
                    }

                    batch = _full.Peek();
                    while (!batch.Committed)
                    {
                        if (!wait)
                        {
                            return;
                        }

                        ThrowIfStopped();
                        Monitor.Wait(_gate, 100);
                    }

                    _full.Dequeue();
                }

                wait = false;
                foreach (var entry in batch.Entries)
                {
                    _completed(entry.Item, entry.Failure == null ? entry.Result : default, entry.Failure);
                }
            }
        }

        private void StartWorkers()
        {
            while (_threads.Count < _workers)
            {
                var thread = new Thread(WorkLoop) { IsBackground = true, Name = "SmimeTools worker" };
                _threads.Add(thread);
                thread.Start();
            }
        }

        private void WorkLoop()
        {
            while (true)
            {
                Entry entry;
                lock (_gate)
                {
                    while (_waiting.Count == 0 && !_finishing && !_stop.IsCancellationRequested)
                    {
                        Monitor.Wait(_gate);
                    }

                    if (_stop.IsCancellationRequested || _waiting.Count == 0)
                    {
                        return;
                    }

                    entry = _waiting.Dequeue();
                }

                Run(entry);
            }
        }

        /// <summary>One message's work; what fails is that message's, and its file is thrown away. A cancellation stops the queue.</summary>
        private void Run(Entry entry)
        {
            try
            {
                _stop.Token.ThrowIfCancellationRequested();
                entry.Result = _work(entry.Item);
            }
            catch (OperationCanceledException e)
            {
                entry.Failure = e;
                entry.Output?.Discard();
                _stop.Cancel();
            }
            catch (Exception e)
            {
                entry.Failure = e;
                entry.Output?.Discard();
            }

            lock (_gate)
            {
                entry.Batch.Running--;
                CompleteWithoutCommit(entry.Batch);
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Commits the full batches in order, each once all its work is done; a batch not started when a stop comes is not committed.</summary>
        private void CommitLoop()
        {
            while (true)
            {
                Batch? batch;
                lock (_gate)
                {
                    while (true)
                    {
                        batch = _full.FirstOrDefault(b => !b.Claimed);
                        if (_stop.IsCancellationRequested || (batch == null && _finishing))
                        {
                            return;
                        }

                        if (batch is { Running: 0 })
                        {
                            break;
                        }

                        Monitor.Wait(_gate);
                    }

                    batch.Claimed = true;
                }

                Commit(batch);
                lock (_gate)
                {
                    batch.Committed = true;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        private static void Commit(Batch batch)
        {
            var pending = new List<(Entry Entry, AtomicFileWriter Writer)>();
            foreach (var entry in batch.Entries)
            {
                if (entry.Failure == null && entry.Output?.TakePending() is { } writer)
                {
                    pending.Add((entry, writer));
                }
            }

            if (pending.Count == 0)
            {
                return;
            }

            IReadOnlyList<SmimeException?> failures;
            try
            {
                failures = AtomicFileWriter.CommitAll(pending.Select(p => p.Writer).ToList());
            }
            catch (Exception e)
            {
                // Not a failure of one file (those are its answer): each message of the batch reports it on the pipeline
                // thread, as if it had come there; files not renamed yet are thrown away. This thread must not die of it.
                foreach (var (entry, writer) in pending)
                {
                    writer.Dispose();
                    entry.Failure ??= e;
                }

                return;
            }

            for (var i = 0; i < pending.Count; i++)
            {
                pending[i].Entry.Failure ??= failures[i];
            }
        }

        private sealed class Batch
        {
            public List<Entry> Entries { get; } = new();

            /// <summary>Messages of the batch whose work is not done yet.</summary>
            public int Running { get; set; }

            /// <summary>Full: no more messages join it.</summary>
            public bool Sealed { get; set; }

            /// <summary>Taken by the committer (or found to need no commit): nobody else commits it.</summary>
            public bool Claimed { get; set; }

            public bool Committed { get; set; }
        }

        private sealed class Entry
        {
            public Entry(TItem item, MessageOutput? output, Batch batch)
            {
                Item = item;
                Output = output;
                Batch = batch;
            }

            public TItem Item { get; }

            public MessageOutput? Output { get; }

            public Batch Batch { get; }

            public TResult? Result { get; set; }

            public Exception? Failure { get; set; }
        }
    }
}
