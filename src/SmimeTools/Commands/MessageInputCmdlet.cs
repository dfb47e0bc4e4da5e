using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;

namespace SmimeTools.Commands
{
    /// <summary>
    /// What the message cmdlets share: -Path, -LiteralPath and -InputObject in, progress, and per-message errors so
    /// one bad message does not stop the rest.
    /// </summary>
    public abstract class MessageInputCmdlet : InputLimitCmdlet
    {
        /// <summary>A message as MIME text, bytes, or a result object of another SmimeTools cmdlet.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ParameterSets.InputObject, ValueFromPipeline = true)]
        [ValidateNotNull]
        public MessageData? InputObject { get; set; }

        private int _done;

        /// <summary>The messages of this pipeline being worked on and committed, batch after batch; made at the first message.</summary>
        private MessageBatchQueue<QueuedMessage, Action>? _queue;

        /// <summary>Verbose notes of worker threads, written on the pipeline thread when their batch is done.</summary>
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _notes = new();

        private int _pipelineThread = Environment.CurrentManagedThreadId;

        private bool _ranFirst;

        /// <summary>How many messages are worked on at once (-ThrottleLimit of the cmdlets that have it); 1 is one after another.</summary>
        protected int Workers { get; set; } = 1;

        /// <summary>False while the work cannot run on several threads (a signing key not opened yet, or one that signs one at a time).</summary>
        protected virtual bool CanWorkInParallel => true;

        /// <summary>
        /// Takes one message's work into the current batch. <paramref name="work"/> runs later, perhaps on another thread: it
        /// must not write to the pipeline, but returns what to write, which runs on the pipeline thread once the message and
        /// its file (<paramref name="output"/>) are done and durable. Errors are the message's own, with <paramref name="onFailure"/> after.
        /// </summary>
        protected void Queue(MessageInput input, MessageOutput? output, Func<Action> work, Action? onFailure = null)
        {
            var message = new QueuedMessage(input, input.Path ?? InputObject?.Value, output, work, onFailure);
            _pipelineThread = Environment.CurrentManagedThreadId;
            if (!_ranFirst && Workers > 1)
            {
                // The very first message alone, on the pipeline thread: the keys it needs are opened there, and a PIN asked for there.
                _ranFirst = true;
                Guard(() => MessageBatch.Run(new[] { message }, m => m.Output, 1, m => m.Work(), Completed, StopToken));
                return;
            }

            _ranFirst = true;
            if (_queue == null)
            {
                var workers = CanWorkInParallel ? Workers : 1;
                // A few messages per worker: enough to batch the fsyncs and keep every thread busy, few enough to show results soon.
                // Without a file to fsync, one at a time needs no batch, and results kept in memory are not held back.
                var batchSize = output?.Path != null ? Math.Max(16, 4 * workers) : workers == 1 ? 1 : 4 * workers;
                _queue = new MessageBatchQueue<QueuedMessage, Action>(m => m.Output, workers, batchSize, m => m.Work(), Completed, StopToken);
            }

            var queue = _queue;
            Guard(() => queue.Add(message));
        }

        /// <summary>Runs what is queued to the end and writes its results and errors, in input order.</summary>
        protected void RunQueued()
        {
            var queue = _queue;
            _queue = null;
            if (queue != null)
            {
                Guard(queue.Finish);
            }

            WriteNotes();
        }

        /// <summary>One message done (its file durable and in place): its result or its error, on the pipeline thread.</summary>
        private void Completed(QueuedMessage message, Action? write, Exception? failure)
        {
            WriteNotes();
            if (failure == null)
            {
                write!();
                return;
            }

            Report(message.Input, message.Target, failure);
            message.OnFailure?.Invoke();
        }

        private void Guard(Action run)
        {
            try
            {
                run();
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: no file of an unfinished batch was put in place and temporary files are gone; PowerShell reports the stop.
                _queue = null;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // A stop or a failure skipped EndProcessing: workers end, and what was not committed is thrown away.
                _queue?.Dispose();
                _queue = null;
            }

            base.Dispose(disposing);
        }

        /// <summary>A verbose note that may come from a worker thread: written at once on the pipeline thread, else with its batch.</summary>
        protected void Note(string text)
        {
            if (Environment.CurrentManagedThreadId == _pipelineThread)
            {
                WriteVerbose(text);
            }
            else
            {
                _notes.Enqueue(text);
            }
        }

        private void WriteNotes()
        {
            while (_notes.TryDequeue(out var text))
            {
                WriteVerbose(text);
            }
        }

        private sealed record QueuedMessage(MessageInput Input, object? Target, MessageOutput? Output, Func<Action> Work, Action? OnFailure);

        /// <summary>The activity shown by Write-Progress ("Protecting messages").</summary>
        protected abstract string ProgressActivity { get; }

        /// <summary>
        /// The messages of this pipeline input, with progress: a percentage when a wildcard named several files,
        /// a running count when files arrive one at a time through the pipeline.
        /// </summary>
        protected IEnumerable<MessageInput> InputsWithProgress()
        {
            var inputs = new List<MessageInput>(Inputs());
            for (var i = 0; i < inputs.Count; i++)
            {
                var progress = new ProgressRecord(1, ProgressActivity, $"{_done} done; now {inputs[i].DisplayName}");
                if (inputs.Count > 1)
                {
                    progress.PercentComplete = (int)(100L * i / inputs.Count);
                }

                WriteProgress(progress);
                yield return inputs[i];
                _done++;
            }
        }

        protected override void EndProcessing()
        {
            RunQueued();
            WriteProgress(new ProgressRecord(1, ProgressActivity, $"{_done} done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }

        /// <summary>Each message to work on: its input and a name for messages and errors.</summary>
        private IEnumerable<MessageInput> Inputs()
        {
            if (ParameterSetName == ParameterSets.InputObject)
            {
                var input = FromObject(InputObject?.Value);
                if (input != null)
                {
                    yield return input;
                }

                yield break;
            }

            foreach (var path in ResolvedPaths())
            {
                if (Directory.Exists(path))
                {
                    WriteEngineError(new SmimeException(ErrorIds.NotSmimeMessage, SmimeErrorKind.InvalidArgument,
                        $"'{path}' is a folder, not a message file.", "Give message files, for example -Path folder/*.eml.", path));
                    continue;
                }

                yield return MessageInput.FromFile(path);
            }
        }

        /// <summary>What -InputObject can be: MIME text, bytes, lines, a file, or a result of another SmimeTools cmdlet.</summary>
        protected MessageInput? FromObject(object? value)
        {
            switch (value is PSObject wrapped ? wrapped.BaseObject : value)
            {
                case string text:
                    return MessageInput.FromText(text);
                case byte[] bytes:
                    return MessageInput.FromBytes(bytes);
                case FileInfo file:
                    return MessageInput.FromFile(file.FullName);
                case ProtectResult { Content: { } content }:
                    return MessageInput.FromBytes(content);
                case ProtectResult { Destination: { } path }:
                    return MessageInput.FromFile(path);
                case UnprotectResult { Content: { } content }:
                    return MessageInput.FromBytes(content);
                case UnprotectResult { Destination: { } path }:
                    return MessageInput.FromFile(path);
                case MessageSummary { Path: { } path, Index: null }:
                    // A summary of a single message file (not an mbox entry): look at the file again.
                    return MessageInput.FromFile(path);
                case object[] lines when Array.TrueForAll(lines, l => l is string || l is PSObject { BaseObject: string }):
                    // Get-Content without -Raw sends lines; join them back into one message.
                    var builder = new StringBuilder();
                    foreach (var line in lines)
                    {
                        builder.Append(line).Append("\r\n");
                    }

                    return MessageInput.FromText(builder.ToString());
                default:
                    WriteEngineError(new SmimeException(ErrorIds.NotSmimeMessage, SmimeErrorKind.InvalidArgument,
                        $"-InputObject takes MIME text, bytes or a message result, not {value?.GetType().Name ?? "null"}.",
                        "Pass Get-Content -Raw output, [IO.File]::ReadAllBytes(...) or a result of another SmimeTools cmdlet; use -Path for files.", value));
                    return null;
            }
        }

        /// <summary>Runs the engine on one message, turning its failures into a per-message error record.</summary>
        protected void Run(MessageInput input, Action action)
        {
            var target = input.Path ?? InputObject?.Value;
            try
            {
                action();
            }
            catch (Exception e)
            {
                Report(input, target, e);
            }
        }

        /// <summary>One message's failure as its non-terminating error; a failure nobody foresaw stops the cmdlet as before.</summary>
        private void Report(MessageInput input, object? target, Exception failure)
        {
            switch (failure)
            {
                case SmimeException e:
                    WriteEngineError(e, target);
                    break;
                case OperationCanceledException:
                    // Ctrl+C: the engine has removed its temporary files; PowerShell reports the stop.
                    break;
                case System.Security.Cryptography.CryptographicException or System.IO.IOException
                    or UnauthorizedAccessException or FormatException or InvalidOperationException or NotSupportedException:
                    // Not a failure the engine foresaw: report it against this message and go on with the rest.
                    WriteError(new ErrorRecord(failure, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, target)
                    {
                        ErrorDetails = new ErrorDetails($"Unexpected failure on {input.DisplayName}: {failure.Message}")
                        {
                            RecommendedAction = "Please report this with the message if you can share it; the other messages were still processed.",
                        },
                    });
                    break;
                default:
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                    break;
            }
        }
    }
}
