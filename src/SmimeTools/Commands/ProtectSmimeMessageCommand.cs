using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Commands
{
    /// <summary>Protect-SmimeMessage: signs and/or encrypts messages.</summary>
    [Cmdlet(VerbsSecurity.Protect, "SmimeMessage", DefaultParameterSetName = ParameterSets.Path, SupportsShouldProcess = true)]
    [OutputType("SmimeTools.Engine.Operations.ProtectResult")]
    public sealed class ProtectSmimeMessageCommand : MessageCmdlet
    {
        /// <summary>Protect wraps the message as it is: layers already in it are not opened, so it has no layer limits.</summary>
        protected override bool OpensLayers => false;

        /// <summary>The signer: a certificate with its private key (the chain certificates that come with it are used too), or an address looked up in -CertStoreLocation.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? SignWith { get; set; }

        /// <summary>Recipients: certificates, certificate files, or addresses looked up in -CertStoreLocation.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? To { get; set; }

        /// <summary>The stores addresses in -SignWith and -To are looked up in.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(CertStoreLocationCompleter))]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] CertStoreLocation { get; set; } = { CertStoreLocations.CurrentUserAddressBook, CertStoreLocations.CurrentUserMy };

        /// <summary>Directories (ldap:// or ldaps:// URIs, or objects from New-SmimeDirectory) asked for -To addresses the stores do not have.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? Directory { get; set; }

        /// <summary>How long a directory's answer for an address is reused by later calls in this session (10 minutes; 0 asks every time).</summary>
        [Parameter]
        public TimeSpan DirectoryCacheLifetime { get; set; } = DirectoryLookupCache.DefaultLifetime;

        /// <summary>Make application/pkcs7-mime signed-data instead of multipart/signed.</summary>
        [Parameter]
        public SwitchParameter Opaque { get; set; }

        /// <summary>Which certificates to embed in the signature.</summary>
        [Parameter]
        public CertificateInclusion IncludeChain { get; set; } = CertificateInclusion.Chain;

        /// <summary>Certificates to build the signer's chain from, beside those that came with it.</summary>
        [Parameter]
        public X509Certificate2[]? ExtraCertificate { get; set; }

        [Parameter]
        public DigestAlgorithm DigestAlgorithm { get; set; } = AlgorithmPolicy.DefaultDigest;

        [Parameter]
        public SignatureAlgorithm SignatureAlgorithm { get; set; } = SignatureAlgorithm.Default;

        [Parameter]
        public ContentEncryptionAlgorithm EncryptionAlgorithm { get; set; } = AlgorithmPolicy.DefaultContentEncryption;

        [Parameter]
        public KeyEncryptionAlgorithm KeyEncryption { get; set; } = AlgorithmPolicy.DefaultKeyEncryption;

        /// <summary>The signer's own encryption certificate, when it differs from the signing one.</summary>
        [Parameter]
        public X509Certificate2? EncryptionCertificate { get; set; }

        /// <summary>Do not add the signer as a recipient of the encrypted message.</summary>
        [Parameter]
        public SwitchParameter NoSelfCopy { get; set; }

        /// <summary>Let weak algorithms and keys under 2048 bits through.</summary>
        [Parameter]
        public SwitchParameter AllowWeakAlgorithm { get; set; }

        /// <summary>How many messages are worked on at once; up to the number of cores pays. Output keeps the input order.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get => Workers; set => Workers = value; }

        private ProtectOptions? _options;

        protected override void BeginProcessing()
        {
            try
            {
                _options = ProtectionRequest.Build(this);
                if (_options.SigningKey is IDisposable signingKey)
                {
                    CloseOnStop(signingKey);
                }
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var input in InputsWithProgress())
            {
                var output = OutputFor(input, privateFile: false);
                if (output == null)
                {
                    continue;
                }

                var action = _options!.SigningKey != null && _options.Recipients.Count > 0 ? "Sign and encrypt"
                    : _options.SigningKey != null ? "Sign" : "Encrypt";
                var target = output.Path == null ? input.DisplayName : $"{input.DisplayName} -> {output.Path}";
                if (!ShouldProcess(target, action))
                {
                    continue;
                }

                Queue(input, output, () =>
                {
                    var result = MessageProtector.Protect(input, _options, output, StopToken);
                    return () => WriteObject(result);
                });
            }
        }

        protected override string ProgressActivity => "Protecting messages";

        // A key that signs one message at a time keeps the work on one thread.
        protected override bool CanWorkInParallel => _options?.SigningKey is not { CanSignInParallel: false };

        protected override void EndProcessing()
        {
            RunQueued();
            (_options?.SigningKey as IDisposable)?.Dispose();
            base.EndProcessing();
        }
    }
}
