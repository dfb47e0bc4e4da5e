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

        private readonly List<IKeyDecryptor> _keys = new();
        private StoreIdentities? _storeIdentities;
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
                    Keys = _storeIdentities ?? (IReadOnlyList<IKeyDecryptor>)_keys,
                    RemoveSignature = RemoveSignature,
                    ResolveRecipient = ResolveRecipient,
                };
                Run(input, () => WriteObject(MessageUnprotector.Unprotect(input, options, output, StopToken)));
            }
        }

        protected override string ProgressActivity => "Opening messages";

        protected override void EndProcessing()
        {
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
                if (Identity == null)
                {
                    // The stores are named now (a bad path stops the cmdlet) but read only when a layer needs a key.
                    _storeIdentities = new StoreIdentities(CertStoreLocations.Sources(CertStoreLocation), WriteVerbose);
                    return;
                }

                var certificates = CertificateArguments.Expand(Identity, "Identity", GetUnresolvedProviderPathFromPSPath, StoreIdentitiesFor);
                var askPin = TokenPinPrompt.For(this);
                foreach (var certificate in certificates.Where(PrivateKeys.HasKey).GroupBy(c => c.Thumbprint).Select(g => g.First()))
                {
                    _keys.Add(PrivateKeys.Decryptor(certificate, askPin));
                }

                if (_keys.Count == 0)
                {
                    ThrowEngineError(new SmimeException(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidArgument,
                        "None of the certificates given to -Identity comes with its private key.",
                        "Read identities with their keys, for example -Identity (Get-SmimeCertificate bob.p12 -Password $password)."));
                }
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e);
            }
        }

        /// <summary>The identities of the stores that carry the address; NoMatchingCertificate when there is none.</summary>
        private IEnumerable<X509Certificate2> StoreIdentitiesFor(string address)
        {
            var sources = CertStoreLocations.Sources(CertStoreLocation);
            var query = new CertificateQuery { Emails = new[] { address }, RequirePrivateKey = true };
            var found = sources.SelectMany(s => s.Find(query)).Select(e => e.Certificate).ToList();
            if (found.Count == 0)
            {
                throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.ObjectNotFound,
                    $"No identity (certificate with its private key) for {address} was found in {string.Join(", ", sources)}.",
                    "Import the identity's PKCS#12 file into the store, name other stores with -CertStoreLocation, or pass the identity itself to -Identity.", address);
            }

            WriteVerbose($"-Identity {address}: {found.Count} identit{(found.Count == 1 ? "y" : "ies")} in {string.Join(", ", sources)}: {string.Join(", ", found.Select(c => c.Thumbprint))}.");
            return found;
        }

        /// <summary>For NoDecryptionKey: whose the recipients are, from the user's own and correspondents' certificates.</summary>
        private string? ResolveRecipient(Engine.Cms.EnvelopedRecipient recipient)
        {
            _addresses ??= new RecipientAddressBook(() => CertStoreLocations.ReadForAddresses(
                CertStoreLocation.Append(CertStoreLocations.CurrentUserAddressBook).Distinct(StringComparer.OrdinalIgnoreCase), WriteVerbose));
            return _addresses.AddressOf(recipient);
        }

        private void CloseKeys()
        {
            foreach (var key in _keys)
            {
                (key as IDisposable)?.Dispose();
            }

            _storeIdentities?.Dispose();
            _storeIdentities = null;
            _keys.Clear();
        }
    }
}
