using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Trust;

namespace SmimeTools.Commands
{
    /// <summary>Test-SmimeSignature: verifies every signature of a message, signer by signer, and says why one is not valid.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "SmimeSignature", DefaultParameterSetName = ParameterSets.Path)]
    [OutputType("SmimeTools.Engine.Operations.SignatureResult", "System.Boolean")]
    public sealed class TestSmimeSignatureCommand : MessageInputCmdlet
    {
        /// <summary>Trust anchors besides the system and user root stores: certificates or certificate files.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? TrustedRoot { get; set; }

        /// <summary>Certificates that may be intermediates (never anchors): certificates or certificate files.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? ExtraCertificate { get; set; }

        /// <summary>CRL files (DER or PEM) or folders of them.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Crl { get; set; }

        /// <summary>None, Offline (CRLs given and carried in the message; the default) or Online (also the network).</summary>
        [Parameter]
        public RevocationCheckMode Revocation { get; set; } = RevocationCheckMode.Offline;

        /// <summary>The time to validate certificates at instead of now; never the signing time the signer claims.</summary>
        [Parameter]
        public DateTime At { get; set; }

        /// <summary>Certificates with private keys to open encrypted layers with, so signatures inside them are checked.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? Identity { get; set; }

        /// <summary>The acceptable certificate policies (dotted OIDs, or anyPolicy), the RFC 5280 user-initial-policy-set.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(CertificatePolicyCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Policy { get; set; }

        /// <summary>The path must be valid for at least one policy of -Policy (initial-explicit-policy).</summary>
        [Parameter]
        public SwitchParameter RequireExplicitPolicy { get; set; }

        /// <summary>Policy mappings of CAs are not followed (initial-policy-mapping-inhibit).</summary>
        [Parameter]
        public SwitchParameter InhibitPolicyMapping { get; set; }

        /// <summary>anyPolicy in certificates is not accepted as a match (initial-any-policy-inhibit).</summary>
        [Parameter]
        public SwitchParameter InhibitAnyPolicy { get; set; }

        /// <summary>Trust only -TrustedRoot, not the system or user root stores.</summary>
        [Parameter]
        public SwitchParameter NoSystemTrust { get; set; }

        /// <summary>Largest CRL read, in bytes, from -Crl, the message or the network (32 MiB by default).</summary>
        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long MaximumCrlSize { get; set; }

        /// <summary>Most CRLs one validation reads (256 by default).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaximumCrlCount { get; set; }

        /// <summary>Most certificates in a path below the trust anchor (16 by default).</summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int MaximumPathLength { get; set; }

        /// <summary>Most candidate paths one validation tries (256 by default).</summary>
        [Parameter]
        [ValidateRange(1, 1_000_000)]
        public int MaximumPathCandidates { get; set; }

        /// <summary>Return one boolean per message: true when it has at least one signature and every signer is valid.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>How many messages are checked at once; up to the number of cores pays. Output keeps the input order.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get => Workers; set => Workers = value; }

        private SignatureVerifyOptions? _options;
        private DecryptionKeys? _keys;

        protected override string ProgressActivity => "Checking signatures";

        protected override void BeginProcessing()
        {
            try
            {
                var bound = MyInvocation.BoundParameters;
                var defaults = Limits;
                var limits = defaults with
                {
                    MaximumCrlSize = bound.ContainsKey(nameof(MaximumCrlSize)) ? MaximumCrlSize : defaults.MaximumCrlSize,
                    MaximumCrlCount = bound.ContainsKey(nameof(MaximumCrlCount)) ? MaximumCrlCount : defaults.MaximumCrlCount,
                    MaximumPathLength = bound.ContainsKey(nameof(MaximumPathLength)) ? MaximumPathLength : defaults.MaximumPathLength,
                    MaximumPathCandidates = bound.ContainsKey(nameof(MaximumPathCandidates)) ? MaximumPathCandidates : defaults.MaximumPathCandidates,
                };

                // A policy that is no OID is refused before any file is read or key opened.
                var policies = (Policy ?? Array.Empty<string>()).Select(p => CertificatePolicyOid.Parse(p, nameof(Policy))).ToList();
                var validation = new ValidationOptions
                {
                    // Before -Crl is read: the files are read within these limits.
                    Limits = limits,
                    UseSystemTrustStore = !NoSystemTrust,
                    UseUserTrustStore = !NoSystemTrust,
                    UseStoreIntermediates = true,
                    RevocationMode = (RevocationMode)(int)Revocation,
                    At = MyInvocation.BoundParameters.ContainsKey(nameof(At)) ? new DateTimeOffset(At.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(At, DateTimeKind.Local) : At) : null,
                    RequireExplicitPolicy = RequireExplicitPolicy,
                    InhibitPolicyMapping = InhibitPolicyMapping,
                    InhibitAnyPolicy = InhibitAnyPolicy,
                    ReadDirectoryDistributionPoints = true,
                };
                foreach (var root in CertificateArguments.Expand(TrustedRoot ?? Array.Empty<object>(), "TrustedRoot", GetUnresolvedProviderPathFromPSPath))
                {
                    validation.TrustedRoots.Add(root);
                }

                foreach (var extra in CertificateArguments.Expand(ExtraCertificate ?? Array.Empty<object>(), "ExtraCertificate", GetUnresolvedProviderPathFromPSPath))
                {
                    validation.ExtraCertificates.Add(extra);
                }

                foreach (var crl in Crl ?? Array.Empty<string>())
                {
                    validation.AddCrlPath(GetUnresolvedProviderPathFromPSPath(crl));
                }

                foreach (var policy in policies)
                {
                    validation.InitialPolicies.Add(policy);
                }

                if (Identity != null)
                {
                    _keys = CloseOnStop(DecryptionKeys.FromIdentities(CertificateArguments.Entries(Identity, "Identity", GetUnresolvedProviderPathFromPSPath, limits: limits), TokenPinPrompt.For(this)));
                }

                _options = new SignatureVerifyOptions { Validation = validation, Keys = _keys ?? (IReadOnlyList<IKeyDecryptor>)Array.Empty<IKeyDecryptor>(), Limits = limits };
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
                var target = input.Path ?? (object?)InputObject?.Value;
                // -Quiet: a message that cannot be read is not validly signed.
                Queue(input, null, () => Verify(input, target), Quiet ? () => WriteObject(false) : null);
            }
        }

        /// <summary>Checks one message (on any thread) and returns what to write for it (on the pipeline thread).</summary>
        private Action Verify(MessageInput input, object? target)
        {
            IReadOnlyList<SignatureResult> results;
            try
            {
                results = SignatureVerifier.Verify(input, _options!, StopToken);
            }
            catch (SmimeException e) when (Quiet && e.ErrorId == ErrorIds.MalformedMessage)
            {
                // -Quiet answers the question: a message that cannot be read is not validly signed.
                return () =>
                {
                    WriteVerbose(e.Message);
                    WriteObject(false);
                };
            }

            return () =>
            {
                // An attached message's signatures are its own: they never make the message itself signed.
                var own = results.Where(r => r.AttachedMessage == null).ToList();
                if (Quiet)
                {
                    WriteObject(own.Count > 0 && own.All(r => r.IsValid));
                    return;
                }

                foreach (var result in results)
                {
                    WriteObject(result);
                }

                if (own.Count == 0)
                {
                    WriteEngineError(new SmimeException(ErrorIds.NotSigned, SmimeErrorKind.InvalidData,
                        $"The message {input.DisplayName} carries no signature" + (_keys == null ? " outside encrypted layers." : "."),
                        _keys == null ? "If it is encrypted, give the recipient's identity to -Identity to check signatures inside." : "Nothing to verify: the sender did not sign it.",
                        input.DisplayName), target);
                }
            };
        }

        protected override void EndProcessing()
        {
            RunQueued();
            _keys?.Dispose();
            _keys = null;
            base.EndProcessing();
        }
    }
}
