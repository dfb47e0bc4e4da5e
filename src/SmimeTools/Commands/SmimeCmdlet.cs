using System;
using System.Management.Automation;
using System.Threading;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>What every SmimeTools cmdlet shares: engine errors as records, cancellation.</summary>
    public abstract class SmimeCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();
        private readonly object _stoppingGate = new();
        private bool _disposed;

        /// <summary>Cancelled when the user presses Ctrl+C; passed to long engine work.</summary>
        protected internal CancellationToken StopToken => _stopping.Token;

        protected override void StopProcessing()
        {
            // PowerShell calls this from another thread, which may come after the pipeline has disposed the cmdlet.
            lock (_stoppingGate)
            {
                if (!_disposed)
                {
                    _stopping.Cancel();
                }
            }
        }

        /// <summary>PowerShell disposes the cmdlet when its pipeline is done, stopped or not.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (!disposing)
            {
                return;
            }

            lock (_stoppingGate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _stopping.Dispose();
            }
        }

        /// <summary>Writes an engine failure as a non-terminating error record for one item.</summary>
        protected void WriteEngineError(SmimeException exception, object? target = null) =>
            WriteError(ErrorRecordFactory.From(exception, target));

        /// <summary>Stops the cmdlet with an engine failure, for when nothing more can run.</summary>
        protected void ThrowEngineError(SmimeException exception, object? target = null) =>
            ThrowTerminatingError(ErrorRecordFactory.From(exception, target));
    }
}
