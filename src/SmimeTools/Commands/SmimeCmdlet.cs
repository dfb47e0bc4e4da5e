using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>What every SmimeTools cmdlet shares: engine errors as records, cancellation, and closing keys and sessions on a stop.</summary>
    public abstract class SmimeCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();
        private readonly object _stoppingGate = new();
        private readonly List<IDisposable> _held = new();
        private bool _disposed;
        private bool _stopped;

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

                _stopped = true;
            }

            // A stop skips EndProcessing, where keys and token sessions are usually closed: close them now, not at Remove-Module.
            // Not on this thread: a key being opened (a PIN prompt) holds its lock, and Ctrl+C must never wait for it. Dispose closes them too.
            _ = Task.Run(CloseHeld);
        }

        /// <summary>
        /// Keeps <paramref name="resource"/> (keys, a token session) to be disposed when the pipeline is stopped (Ctrl+C skips
        /// EndProcessing) or the cmdlet is disposed, whichever comes first; disposing it earlier in EndProcessing is still
        /// right, so it must bear being disposed twice. Held after a stop, it is disposed at once.
        /// </summary>
        protected internal T CloseOnStop<T>(T resource)
            where T : IDisposable
        {
            bool stopped;
            lock (_stoppingGate)
            {
                stopped = _stopped || _disposed;
                if (!stopped)
                {
                    _held.Add(resource);
                }
            }

            if (stopped)
            {
                resource.Dispose();
            }

            return resource;
        }

        private void CloseHeld()
        {
            IDisposable[] held;
            lock (_stoppingGate)
            {
                held = _held.ToArray();
                _held.Clear();
            }

            foreach (var resource in held)
            {
                try
                {
                    resource.Dispose();
                }
                catch (Exception e) when (e is SmimeException or ObjectDisposedException or InvalidOperationException)
                {
                    // The pipeline is going away; a token that is already gone has nothing left to close.
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

            CloseHeld();
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
