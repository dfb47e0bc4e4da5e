using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Publish-SmimeCertificate: adds users' certificates to their entries in an LDAP directory (userCertificate;binary),
    /// found by the certificate's address; appends (a copy already there changes nothing) or, with -Replace, replaces.
    /// -WhatIf searches but changes nothing.
    /// </summary>
    [Cmdlet(VerbsData.Publish, "SmimeCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType("SmimeTools.Engine.Certificates.DirectoryPublishResult")]
    public sealed class PublishSmimeCertificateCommand : SmimeCmdlet
    {
        /// <summary>The certificates to publish, for example from Get-SmimeCertificate or Import-SmimeIdentity.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public X509Certificate2[] Certificate { get; set; } = Array.Empty<X509Certificate2>();

        /// <summary>The directory: an ldaps:// or ldap:// URI whose base DN holds the users' entries, or an object from New-SmimeDirectory.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNull]
        public object Directory { get; set; } = string.Empty;

        /// <summary>Who may change the entries (simple bind; over ldaps:// or StartTLS only).</summary>
        [Parameter]
        [Credential]
        [Alias("DirectoryCredential")]
        public PSCredential? Credential { get; set; }

        /// <summary>Upgrade an ldap:// connection with StartTLS before anything else is sent.</summary>
        [Parameter]
        public SwitchParameter StartTls { get; set; }

        /// <summary>CA certificates (or files) the directory's TLS certificate may chain to, besides the system's roots.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? DirectoryTrustedRoot { get; set; }

        /// <summary>Seconds connecting, the TLS handshake and each request may take (15 by default).</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; }

        /// <summary>The address whose entry gets the certificate, instead of the certificate's own first address.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Email { get; set; }

        /// <summary>Replace the entry's certificates instead of adding to them (for a renewal that retires the old one).</summary>
        [Parameter]
        public SwitchParameter Replace { get; set; }

        private DirectoryPublisher? _publisher;
        private readonly HashSet<string> _replaced = new(StringComparer.OrdinalIgnoreCase);

        protected override void BeginProcessing()
        {
            try
            {
                var directory = DirectoryArguments.Directories(new[] { Directory }, Credential, StartTls,
                    DirectoryArguments.TrustedRoots(DirectoryTrustedRoot, GetUnresolvedProviderPathFromPSPath),
                    MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeoutSec : null, 2).Single();
                _publisher = new DirectoryPublisher(DirectoryArguments.Source(directory, StopToken, WriteVerbose, TimeSpan.Zero));
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, Directory);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var certificate in Certificate.Where(c => c != null))
            {
                try
                {
                    // With -Replace, the first certificate for an entry replaces; the next ones for the same entry are added beside it.
                    var address = Email ?? CertificateFacts.GetEmails(certificate).FirstOrDefault();
                    var replace = Replace && (address == null || !_replaced.Contains(address));
                    var result = _publisher!.Publish(certificate, address, replace, (dn, what) => ShouldProcess(dn, what));
                    if (result == null)
                    {
                        continue;
                    }

                    if (replace)
                    {
                        _replaced.Add(result.Address);
                    }

                    if (result.Action == DirectoryPublishAction.AlreadyPresent)
                    {
                        WriteVerbose($"{result.DistinguishedName} has {certificate.Thumbprint} already; nothing was changed.");
                    }

                    WriteObject(result);
                }
                catch (SmimeException e)
                {
                    WriteEngineError(e, certificate);
                }
            }
        }

        protected override void EndProcessing() => _publisher?.Dispose();
    }
}
