using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Get-SmimeMessage: the quick look at messages without keys: protection layers, algorithms, recipients,
    /// signers and a header summary, for single files, folders and mbox files.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SmimeMessage", DefaultParameterSetName = ParameterSets.Path)]
    [OutputType("SmimeTools.Engine.Operations.MessageSummary")]
    public sealed class GetSmimeMessageCommand : MessageInputCmdlet
    {
        /// <summary>In folders, also look at the files of subfolders.</summary>
        [Parameter(ParameterSetName = ParameterSets.Path)]
        [Parameter(ParameterSetName = ParameterSets.LiteralPath)]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Read every file as an mbox file of many messages, whatever its extension (*.mbox files always are).</summary>
        [Parameter(ParameterSetName = ParameterSets.Path)]
        [Parameter(ParameterSetName = ParameterSets.LiteralPath)]
        public SwitchParameter Mbox { get; set; }

        /// <summary>The stores in which recipients of encrypted messages are looked up to show their addresses.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(CertStoreLocationCompleter))]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] CertStoreLocation { get; set; } = { CertStoreLocations.CurrentUserMy, CertStoreLocations.CurrentUserAddressBook };

        private static readonly string[] FolderPatterns = { "*.eml", "*.p7m", "*.mbox" };
        private const string Activity = "Inspecting messages";
        private int _done;
        private RecipientAddressBook? _addresses;

        protected override string ProgressActivity => Activity;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ParameterSets.InputObject)
            {
                var input = FromObject(InputObject?.Value);
                if (input != null)
                {
                    InspectOne(input, input.Path != null && IsMbox(input.Path));
                }

                return;
            }

            foreach (var path in ResolvedPaths())
            {
                if (Directory.Exists(path))
                {
                    var files = FolderPatterns
                        .SelectMany(p => Directory.EnumerateFiles(path, p, Recurse ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
                        .OrderBy(f => f, StringComparer.Ordinal)
                        .ToList();
                    for (var i = 0; i < files.Count; i++)
                    {
                        WriteProgress(new ProgressRecord(1, Activity, $"{_done} done; now {files[i]}") { PercentComplete = (int)(100L * i / files.Count) });
                        InspectOne(MessageInput.FromFile(files[i]), IsMbox(files[i]));
                    }

                    continue;
                }

                InspectOne(MessageInput.FromFile(path), IsMbox(path));
            }
        }

        private bool IsMbox(string path) => Mbox.IsPresent || path.EndsWith(".mbox", StringComparison.OrdinalIgnoreCase);

        private void InspectOne(MessageInput input, bool mbox)
        {
            var folder = System.IO.Path.GetTempPath();
            Run(input, () =>
            {
                if (!mbox)
                {
                    WriteObject(MessageInspector.Inspect(input, folder, ResolveRecipient, StopToken, Limits));
                    _done++;
                    return;
                }

                foreach (var summary in MessageInspector.InspectMbox(input, folder, e => WriteEngineError(e, input.Path), ResolveRecipient, StopToken, Limits))
                {
                    _done++;
                    WriteProgress(new ProgressRecord(2, Activity, $"{input.DisplayName}: message {summary.Index}") { ParentActivityId = 1 });
                    WriteObject(summary);
                }

                WriteProgress(new ProgressRecord(2, Activity, input.DisplayName) { ParentActivityId = 1, RecordType = ProgressRecordType.Completed });
            });
        }

        /// <summary>The address of a recipient whose certificate is in -CertStoreLocation; the stores are read once, on first need.</summary>
        private string? ResolveRecipient(EnvelopedRecipient recipient)
        {
            _addresses ??= new RecipientAddressBook(() => CertStoreLocations.ReadForAddresses(CertStoreLocation, WriteVerbose));
            return _addresses.AddressOf(recipient);
        }
    }
}
