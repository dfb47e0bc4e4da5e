using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Operations;

namespace SmimeTools.Commands
{
    /// <summary>Unprotect-SmimeMessage: decrypts and unwraps messages.</summary>
    [Cmdlet(VerbsSecurity.Unprotect, "SmimeMessage", DefaultParameterSetName = ParameterSets.Path, SupportsShouldProcess = true)]
    [OutputType("SmimeTools.Engine.Operations.UnprotectResult")]
    public sealed class UnprotectSmimeMessageCommand : MessageCmdlet
    {
        /// <summary>
        /// Certificates with private keys to decrypt with, or addresses whose identities are looked up in -CertStoreLocation;
        /// each is tried against the message's recipients. Without it, the identities of -CertStoreLocation are tried.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? Identity { get; set; }

        /// <summary>The stores whose identities are tried without -Identity, and where addresses in -Identity are looked up.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(CertStoreLocationCompleter))]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] CertStoreLocation { get; set; } = { CertStoreLocations.CurrentUserMy };

        /// <summary>Also take off multipart/signed signatures, keeping only the signed content.</summary>
        [Parameter]
        public SwitchParameter RemoveSignature { get; set; }

        /// <summary>
        /// Refuse (UnauthenticatedContent, nothing written) a message whose content nothing authenticates: CBC encryption
        /// without a signature that verifies over the content. AES-GCM and signed content pass.
        /// </summary>
        [Parameter]
        public SwitchParameter RequireAuthenticated { get; set; }

        /// <summary>How many messages are worked on at once; up to the number of cores pays. Output keeps the input order.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get => Workers; set => Workers = value; }

        private DecryptionKeys? _keys;
        private bool _keysOpened;
        private RecipientAddressBook? _addresses;

        protected override void ProcessRecord()
        {
            foreach (var input in InputsWithProgress())
            {
                var output = OutputFor(input, privateFile: true);
                if (output == null)
                {
                    continue;
                }

                var target = output.Path == null ? input.DisplayName : $"{input.DisplayName} -> {output.Path}";
                if (!ShouldProcess(target, "Decrypt and unwrap"))
                {
                    continue;
                }

                OpenKeys();
                var options = new UnprotectOptions
                {
                    Keys = _keys ?? (IReadOnlyList<IKeyDecryptor>)Array.Empty<IKeyDecryptor>(),
                    RemoveSignature = RemoveSignature,
                    RequireAuthenticated = RequireAuthenticated,
                    ResolveRecipient = ResolveRecipient,
                    Limits = Limits,
                };
                Queue(input, output, () =>
                {
                    var result = MessageUnprotector.Unprotect(input, options, output, StopToken);
                    return () => WriteObject(result);
                });
            }
        }

        protected override string ProgressActivity => "Opening messages";

        protected override void EndProcessing()
        {
            RunQueued();
            CloseKeys();
            base.EndProcessing();
        }

        /// <summary>Opens the keys once, after the first ShouldProcess yes; certificates without keys are skipped (chain certificates come along from PKCS#12).</summary>
        private void OpenKeys()
        {
            if (_keysOpened)
            {
                return;
            }

            _keysOpened = true;
            try
            {
                // Without -Identity the stores are named now (a bad path stops the cmdlet) but read only when a layer needs a key.
                _keys = CloseOnStop(Identity == null
                    ? DecryptionKeys.FromSources(CertStoreLocations.Sources(CertStoreLocation), Note)
                    : DecryptionKeys.FromIdentities(CertificateArguments.Entries(Identity, "Identity", GetUnresolvedProviderPathFromPSPath, StoreIdentitiesFor, Limits),
                        TokenPinPrompt.For(this)));
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e);
            }
        }

        /// <summary>The identities of the stores that carry the address; NoMatchingCertificate when there is none.</summary>
        private IEnumerable<CertificateEntry> StoreIdentitiesFor(string address) =>
            IdentitiesByAddress.Find(CertStoreLocations.Sources(CertStoreLocation), address, Note);

        /// <summary>For NoDecryptionKey: whose the recipients are, from the user's own and correspondents' certificates.</summary>
        private string? ResolveRecipient(Engine.Cms.EnvelopedRecipient recipient)
        {
            _addresses ??= new RecipientAddressBook(() => CertStoreLocations.ReadForAddresses(
                CertStoreLocation.Append(CertStoreLocations.CurrentUserAddressBook).Distinct(StringComparer.OrdinalIgnoreCase), Note));
            return _addresses.AddressOf(recipient);
        }

        private void CloseKeys()
        {
            _keys?.Dispose();
            _keys = null;
        }
    }
}
