using System;
using System.Management.Automation;
using System.Threading;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>What every SmimeTools cmdlet shares: engine errors as records, cancellation.</summary>
    public abstract class SmimeCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new();

        /// <summary>Cancelled when the user presses Ctrl+C; passed to long engine work.</summary>
        protected internal CancellationToken StopToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>Writes an engine failure as a non-terminating error record for one item.</summary>
        protected void WriteEngineError(SmimeException exception, object? target = null) =>
            WriteError(ErrorRecordFactory.From(exception, target));

        /// <summary>Stops the cmdlet with an engine failure, for when nothing more can run.</summary>
        protected void ThrowEngineError(SmimeException exception, object? target = null) =>
            ThrowTerminatingError(ErrorRecordFactory.From(exception, target));
    }
}
