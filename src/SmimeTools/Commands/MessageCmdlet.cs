using System.IO;
using System.Management.Automation;
using SmimeTools.Engine;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Commands
{
    /// <summary>The message cmdlets that write messages: the inputs of <see cref="MessageInputCmdlet"/>, and -Destination (file or folder) out.</summary>
    public abstract class MessageCmdlet : MessageInputCmdlet
    {
        /// <summary>The file to write, or an existing folder to write each message into under its own name.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>Replace files that already exist at the destination.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        private (string? Given, string Path) _resolvedDestination;

        /// <summary>Where one message goes: a file under -Destination, or memory when there is none.</summary>
        protected MessageOutput? OutputFor(MessageInput input, bool privateFile)
        {
            if (Destination == null)
            {
                return MessageOutput.ToMemory();
            }

            // -Destination is not taken from the pipeline: resolved once (PowerShell looks the drive up each time, ~0.2 ms).
            if (_resolvedDestination.Given != Destination)
            {
                _resolvedDestination = (Destination, GetUnresolvedProviderPathFromPSPath(Destination));
            }

            var destination = _resolvedDestination.Path;
            if (Directory.Exists(destination))
            {
                if (input.Path == null)
                {
                    WriteEngineError(new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.InvalidArgument,
                        $"-Destination '{Destination}' is a folder, and a message given as an object has no file name to use in it.",
                        "Give a file name in -Destination.", Destination));
                    return null;
                }

                destination = System.IO.Path.Combine(destination, System.IO.Path.GetFileName(input.Path));
            }

            return MessageOutput.ToFile(destination, Force.IsPresent, privateFile);
        }
    }
}
