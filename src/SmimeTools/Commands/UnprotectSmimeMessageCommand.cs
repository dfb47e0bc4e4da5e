using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SmimeTools.Engine;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Commands
{
    /// <summary>Unprotect-SmimeMessage: decrypts and unwraps messages.</summary>
    [Cmdlet(VerbsSecurity.Unprotect, "SmimeMessage", DefaultParameterSetName = ParameterSets.Path, SupportsShouldProcess = true)]
    [OutputType("SmimeTools.Engine.Messages.UnprotectResult")]
    public sealed class UnprotectSmimeMessageCommand : MessageCmdlet
    {
        /// <summary>Certificates with private keys to decrypt with; each is tried against the message's recipients.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? Identity { get; set; }

        /// <summary>Also take off multipart/signed signatures, keeping only the signed content.</summary>
        [Parameter]
        public SwitchParameter RemoveSignature { get; set; }

        private readonly List<PrivateKey> _keys = new();
        private bool _keysOpened;

        protected override void ProcessRecord()
        {
            foreach (var input in Inputs())
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
                var options = new UnprotectOptions { Keys = _keys, RemoveSignature = RemoveSignature };
                Run(input, () => WriteObject(MessageUnprotector.Unprotect(input, options, output, StopToken)));
            }
        }

        protected override void EndProcessing() => CloseKeys();

        /// <summary>Opens the keys once, after the first ShouldProcess yes; certificates without keys are skipped (chain certificates come along from PKCS#12).</summary>
        private void OpenKeys()
        {
            if (_keysOpened || Identity == null)
            {
                return;
            }

            _keysOpened = true;
            try
            {
                var certificates = CertificateArguments.Expand(Identity, "Identity", GetUnresolvedProviderPathFromPSPath);
                foreach (var certificate in certificates.Where(SoftwareKey.HasKey).GroupBy(c => c.Thumbprint).Select(g => g.First()))
                {
                    _keys.Add(SoftwareKey.Create(certificate));
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

        private void CloseKeys()
        {
            foreach (var key in _keys)
            {
                key.Dispose();
            }

            _keys.Clear();
        }
    }
}
