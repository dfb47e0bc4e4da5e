using System;
using System.Management.Automation;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>
    /// New-SmimeDirectory: describes a directory once (URI, StartTLS, credentials, the CA its TLS certificate comes from,
    /// limits) for -Directory of Get-SmimeCertificate, Protect-SmimeMessage and Publish-SmimeCertificate. Nothing is
    /// contacted here.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "SmimeDirectory")]
    [OutputType(typeof(SmimeDirectory))]
    public sealed class NewSmimeDirectoryCommand : SmimeCmdlet
    {
        /// <summary>ldap://host:port/base-dn or ldaps://host:port/base-dn.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Uri { get; set; } = string.Empty;

        /// <summary>Upgrade an ldap:// connection with StartTLS before anything else is sent.</summary>
        [Parameter]
        public SwitchParameter StartTls { get; set; }

        /// <summary>Bind as this user (a DN, or user@domain for Active Directory); anonymous without it.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>CA certificates (or certificate files) the directory's TLS certificate may chain to, besides the system's roots.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? TrustedRoot { get; set; }

        /// <summary>Seconds connecting, the TLS handshake and each request may take.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = SmimeDirectory.DefaultTimeoutSec;

        /// <summary>Most entries one search returns.</summary>
        [Parameter]
        [ValidateRange(1, 100000)]
        public int SizeLimit { get; set; } = SmimeDirectory.DefaultSizeLimit;

        /// <summary>Largest single reply accepted from the directory, in bytes (8 MiB by default).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaximumDirectoryReplySize { get; set; }

        /// <summary>Most bytes of all replies to one search (64 MiB by default).</summary>
        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long MaximumDirectoryResultSize { get; set; }

        protected override void EndProcessing()
        {
            try
            {
                SmimeDirectory.ValidateUri(Uri);
                var roots = DirectoryArguments.TrustedRoots(TrustedRoot, GetUnresolvedProviderPathFromPSPath) ?? Array.Empty<System.Security.Cryptography.X509Certificates.X509Certificate2>();
                var bound = MyInvocation.BoundParameters;
                WriteObject(new SmimeDirectory(Uri.Trim(), StartTls, Credential, roots, TimeoutSec, SizeLimit,
                    bound.ContainsKey(nameof(MaximumDirectoryReplySize)) ? MaximumDirectoryReplySize : null,
                    bound.ContainsKey(nameof(MaximumDirectoryResultSize)) ? MaximumDirectoryResultSize : null));
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, Uri);
            }
        }
    }
}
