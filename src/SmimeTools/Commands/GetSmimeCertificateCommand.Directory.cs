using System;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>Get-SmimeCertificate -Directory: certificates from LDAP directories, by address or all of them (up to -SizeLimit).</summary>
    public sealed partial class GetSmimeCertificateCommand
    {
        private const string DirectorySet = "Directory";

        /// <summary>Directories to search: ldap:// or ldaps:// URIs (ldap://host:port/base-dn), or objects from New-SmimeDirectory.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DirectorySet)]
        [ValidateNotNullOrEmpty]
        public object[] Directory { get; set; } = Array.Empty<object>();

        /// <summary>Bind to the directory as this user (simple bind over ldaps:// or StartTLS); anonymous without it.</summary>
        [Parameter(ParameterSetName = DirectorySet)]
        [Credential]
        [Alias("DirectoryCredential")]
        public PSCredential? Credential { get; set; }

        /// <summary>Upgrade ldap:// connections with StartTLS before anything else is sent.</summary>
        [Parameter(ParameterSetName = DirectorySet)]
        public SwitchParameter StartTls { get; set; }

        /// <summary>CA certificates (or files) the directory's TLS certificate may chain to, besides the system's roots.</summary>
        [Parameter(ParameterSetName = DirectorySet)]
        [ValidateNotNullOrEmpty]
        public object[]? DirectoryTrustedRoot { get; set; }

        /// <summary>Seconds connecting, the TLS handshake and each directory request may take (15 by default).</summary>
        [Parameter(ParameterSetName = DirectorySet)]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; }

        /// <summary>Most entries one directory search returns (100 by default).</summary>
        [Parameter(ParameterSetName = DirectorySet)]
        [ValidateRange(1, 100000)]
        public int SizeLimit { get; set; }

        /// <summary>Largest single reply accepted from a directory, in bytes (8 MiB by default).</summary>
        [Parameter(ParameterSetName = DirectorySet)]
        [ValidateRange(1, int.MaxValue)]
        public int MaximumDirectoryReplySize { get; set; }

        /// <summary>Most bytes of all replies to one directory search (64 MiB by default).</summary>
        [Parameter(ParameterSetName = DirectorySet)]
        [ValidateRange(1, long.MaxValue)]
        public long MaximumDirectoryResultSize { get; set; }

        private void ReadDirectories()
        {
            System.Collections.Generic.List<SmimeDirectory> directories;
            try
            {
                directories = DirectoryArguments.Directories(Directory, Credential, StartTls,
                    DirectoryArguments.TrustedRoots(DirectoryTrustedRoot, GetUnresolvedProviderPathFromPSPath),
                    MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeoutSec : null,
                    MyInvocation.BoundParameters.ContainsKey(nameof(SizeLimit)) ? SizeLimit : null,
                    MyInvocation.BoundParameters.ContainsKey(nameof(MaximumDirectoryReplySize)) ? MaximumDirectoryReplySize : null,
                    MyInvocation.BoundParameters.ContainsKey(nameof(MaximumDirectoryResultSize)) ? MaximumDirectoryResultSize : null);
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e);
                return;
            }

            foreach (var directory in directories)
            {
                // Asked for by hand, the directory is asked again: the cache serves bulk runs of Protect-SmimeMessage.
                using var source = DirectoryArguments.Source(directory, StopToken, WriteVerbose, TimeSpan.Zero);
                try
                {
                    if (_query.Emails.Count == 0)
                    {
                        foreach (var entry in source.Read())
                        {
                            Write(entry);
                        }

                        continue;
                    }

                    foreach (var address in _query.Emails)
                    {
                        try
                        {
                            foreach (var entry in source.FindByAddress(address))
                            {
                                if (!CertificateQuery.HasEmail(entry.Certificate, address))
                                {
                                    WriteVerbose($"{entry.Certificate.Thumbprint} ({entry.Certificate.Subject}) from {source.Description} does not carry {address}; left out.");
                                }

                                Write(entry);
                            }
                        }
                        catch (SmimeException e) when (e.ErrorId is ErrorIds.DirectoryEntryNotFound or ErrorIds.DirectoryEntryWithoutCertificate)
                        {
                            WriteEngineError(e, address);
                        }
                    }
                }
                catch (SmimeException e)
                {
                    // The directory itself failed (unreachable, TLS, bind, timeout): the next one may still answer.
                    WriteEngineError(e, directory.Uri);
                }
            }
        }
    }
}
