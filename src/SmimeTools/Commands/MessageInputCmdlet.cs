using System;
using System.Collections.Generic;
using System.IO;
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
            catch (SmimeException e)
            {
                WriteEngineError(e, target);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: the engine has removed its temporary files; PowerShell reports the stop.
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or System.IO.IOException
                or UnauthorizedAccessException or FormatException or InvalidOperationException or NotSupportedException)
            {
                // Not a failure the engine foresaw: report it against this message and go on with the rest.
                WriteError(new ErrorRecord(e, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, target)
                {
                    ErrorDetails = new ErrorDetails($"Unexpected failure on {input.DisplayName}: {e.Message}")
                    {
                        RecommendedAction = "Please report this with the message if you can share it; the other messages were still processed.",
                    },
                });
            }
        }
    }
}
