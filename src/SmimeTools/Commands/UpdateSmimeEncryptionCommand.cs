using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Commands
{
    /// <summary>Update-SmimeEncryption: moves encrypted archives (message files, Maildir, mbox) to new keys in place, losing nothing.</summary>
    [Cmdlet(VerbsData.Update, "SmimeEncryption", DefaultParameterSetName = ParameterSets.Path, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(EncryptionUpdateSummary), typeof(MessageUpdate))]
    public sealed class UpdateSmimeEncryptionCommand : InputLimitCmdlet
    {
        /// <summary>The new recipients: certificates, certificate files, or addresses looked up as Protect-SmimeMessage -To does.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public object[] To { get; set; } = Array.Empty<object>();

        /// <summary>The old keys: identities (certificates with private keys) or addresses; without it, the identities of -CertStoreLocation.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? Identity { get; set; }

        /// <summary>Stores for addresses in -To and -Identity, and whose identities are tried without -Identity.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(CertStoreLocationCompleter))]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] CertStoreLocation { get; set; } = { CertStoreLocations.CurrentUserAddressBook, CertStoreLocations.CurrentUserMy };

        /// <summary>Directories asked for addresses of -To that the stores do not have.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? Directory { get; set; }

        /// <summary>AddRecipient (default, fast) or Reencrypt (fresh key, today's algorithm).</summary>
        [Parameter]
        public EncryptionUpdateMode Mode { get; set; } = EncryptionUpdateMode.AddRecipient;

        /// <summary>The content encryption of re-encrypted messages.</summary>
        [Parameter]
        public ContentEncryptionAlgorithm EncryptionAlgorithm { get; set; } = AlgorithmPolicy.DefaultContentEncryption;

        [Parameter]
        public KeyEncryptionAlgorithm KeyEncryption { get; set; } = AlgorithmPolicy.DefaultKeyEncryption;

        /// <summary>Old recipients re-encrypted messages leave out: certificates, files or addresses.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? RemoveRecipient { get; set; }

        /// <summary>Go into the folders below each folder given.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Also write one result for each message.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        [Parameter]
        public SwitchParameter AllowWeakAlgorithm { get; set; }

        /// <summary>How many messages are worked on at once; up to the number of cores pays. Output keeps the input order.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get; set; } = 1;

        private readonly List<ArchiveItem> _items = new();

        protected override void ProcessRecord()
        {
            // Gathered first, so progress can give a share of the whole and the time left.
            foreach (var path in ResolvedPaths())
            {
                try
                {
                    foreach (var item in EncryptionUpdateJob.Find(path, Recurse))
                    {
                        _items.Add(item);
                    }
                }
                catch (SmimeException e)
                {
                    WriteEngineError(e, path);
                }
            }
        }

        protected override void EndProcessing()
        {
            if (Mode == EncryptionUpdateMode.AddRecipient && (RemoveRecipient != null || MyInvocation.BoundParameters.ContainsKey(nameof(EncryptionAlgorithm))))
            {
                ThrowEngineError(new SmimeException(ErrorIds.NothingToDo, SmimeErrorKind.InvalidArgument,
                    "-RemoveRecipient and -EncryptionAlgorithm change the content encryption, which -Mode AddRecipient keeps as it is.",
                    "Add -Mode Reencrypt to re-encrypt with a fresh key, or leave those parameters out."));
            }

            using var parties = new ProtectionParties(() => CertStoreLocations.Sources(CertStoreLocation))
            {
                Directories = DirectoryArguments.Directories(Directory ?? Array.Empty<object>(), null, false, null, null, null).Select(DirectoryArguments.Location).ToList(),
                CancellationToken = StopToken,
                Note = WriteVerbose,
            };
            if (LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference")) || MyInvocation.BoundParameters.ContainsKey("WhatIf") && ((SwitchParameter)MyInvocation.BoundParameters["WhatIf"]).IsPresent)
            {
                Preview(parties);
                return;
            }

            var work = _items.Where(i => ShouldProcess(i.Path, Action)).ToList();
            if (work.Count == 0)
            {
                return;
            }

            using var keys = OpenKeys();
            EncryptionUpdateJob? job = null;
            List<X509Certificate2>? known = null;
            try
            {
                var recipients = Certificates(To, "To", parties);
                job = new EncryptionUpdateJob(new EncryptionUpdateOptions
                {
                    OldKeys = keys, Recipients = recipients, Mode = Mode, ContentEncryption = EncryptionAlgorithm, KeyEncryption = KeyEncryption,
                    RemoveRecipients = RemoveRecipient == null ? Array.Empty<X509Certificate2>() : Certificates(RemoveRecipient, "RemoveRecipient", parties),
                    CheckKeys = keys.Where(k => recipients.Any(r => r.Thumbprint == k.Certificate.Thumbprint)).ToArray(),
                    FindCertificate = r => (known ??= CertStoreLocations.ReadForAddresses(CertStoreLocation, WriteVerbose).ToList()).FirstOrDefault(r.Names),
                    AllowWeakAlgorithm = AllowWeakAlgorithm,
                    Limits = Limits,
                });
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e);
            }

            using (job)
            {
                var progress = new UpdateProgress(this, work);
                job!.UpdateAll(work, ThrottleLimit, (item, updates, problems) =>
                {
                    progress.Show(item, job.Summary);
                    foreach (var problem in problems)
                    {
                        // The message file (or mbox file) itself, not the folder it was found in: one among thousands.
                        WriteEngineError(problem, item.Path);
                    }

                    if (PassThru)
                    {
                        WriteObject(updates, enumerateCollection: true);
                    }
                }, StopToken);
                progress.Complete();
                WriteObject(job!.Summary);
            }
        }

        private string Action => Mode == EncryptionUpdateMode.AddRecipient ? "Add recipients" : "Re-encrypt";

        /// <summary>-WhatIf: what each message would get, from its envelope alone; no key is opened, nothing written.</summary>
        private void Preview(ProtectionParties parties)
        {
            EncryptionUpdateJob? job = null;
            try
            {
                job = new EncryptionUpdateJob(new EncryptionUpdateOptions
                {
                    Recipients = Certificates(To, "To", parties), Mode = Mode, ContentEncryption = EncryptionAlgorithm, KeyEncryption = KeyEncryption,
                    RemoveRecipients = RemoveRecipient == null ? Array.Empty<X509Certificate2>() : Certificates(RemoveRecipient, "RemoveRecipient", parties),
                    AllowWeakAlgorithm = AllowWeakAlgorithm,
                });
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e);
            }

            using (job)
            {
                foreach (var item in _items)
                {
                    job!.Plan(item, plan => WhatIf(plan.State == MessageUpdateState.Planned
                        ? $"Performing the operation \"{Action}\" on target \"{Where(plan)}\": encrypted to {Names(plan.RecipientsBefore)} ({plan.AlgorithmBefore}) now, "
                            + $"to {Names(plan.RecipientsAfter)} ({plan.AlgorithmAfter}) after."
                        : $"Leaving \"{Where(plan)}\" as it is: {plan.Reason}."),
                        problem => WhatIf($"Leaving \"{item.Path}\" as it is ({problem.ErrorId}): {problem.Message}"), StopToken);
                }
            }
        }

        private void WhatIf(string description) => ShouldProcess(description, description, Action);

        private static string Where(MessageUpdate update) => update.Index is { } index ? $"{update.Path} (message {index})" : update.Path ?? string.Empty;

        private static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "nobody" : string.Join("; ", names);

        private List<X509Certificate2> Certificates(object[] values, string parameter, ProtectionParties parties) =>
            ProtectionParties.RecipientsAmong(CertificateArguments.Expand(values, parameter, GetUnresolvedProviderPathFromPSPath, a => new[] { parties.RecipientFor(a) })).ToList();

        /// <summary>The old keys, opened only now that ShouldProcess has said yes.</summary>
        private DecryptionKeys OpenKeys()
        {
            try
            {
                return Identity == null
                    ? DecryptionKeys.FromSources(CertStoreLocations.Sources(CertStoreLocation), WriteVerbose)
                    : DecryptionKeys.FromIdentities(CertificateArguments.Entries(Identity, "Identity", GetUnresolvedProviderPathFromPSPath,
                        a => IdentitiesByAddress.Find(CertStoreLocations.Sources(CertStoreLocation), a, WriteVerbose), Limits), TokenPinPrompt.For(this));
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e);
                throw;
            }
        }
    }
}
