using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Export-SmimeIdentity: writes identities to PKCS#12 files (one per identity, each with its own password if
    /// wanted), or certificates alone as DER or PEM for address books and directories.
    /// </summary>
    [Cmdlet(VerbsData.Export, "SmimeIdentity", DefaultParameterSetName = PasswordSet, SupportsShouldProcess = true)]
    [OutputType("SmimeTools.Engine.Certificates.IdentityRecord")]
    public sealed class ExportSmimeIdentityCommand : SmimeCmdlet
    {
        private const string PasswordSet = "Password";
        private const string PerIdentitySet = "PasswordPerIdentity";
        private const string PublicOnlySet = "PublicOnly";
        private const string ProgressActivity = "Exporting identities";

        private readonly List<CertificateEntry> _identities = new();

        /// <summary>Certificates with their private keys (from Get-SmimeCertificate or the Cert: drive).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public X509Certificate2[] Certificate { get; set; } = Array.Empty<X509Certificate2>();

        /// <summary>The file to write, or an existing folder to write one file per identity into.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = string.Empty;

        /// <summary>The password of every PKCS#12 file written.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
        public SecureString? Password { get; set; }

        /// <summary>A script that returns each identity's own password; the certificate is $_.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PerIdentitySet)]
        public ScriptBlock? PasswordPerIdentity { get; set; }

        /// <summary>Write OpenSSL's -legacy form (3DES, RC2-40, SHA-1 MAC) for old readers such as gpgsm 2.2.</summary>
        [Parameter(ParameterSetName = PasswordSet)]
        [Parameter(ParameterSetName = PerIdentitySet)]
        public SwitchParameter Legacy { get; set; }

        /// <summary>Add the intermediate CA certificates to each PKCS#12 file.</summary>
        [Parameter(ParameterSetName = PasswordSet)]
        [Parameter(ParameterSetName = PerIdentitySet)]
        public SwitchParameter IncludeChain { get; set; }

        /// <summary>Write the certificates alone, without keys or passwords.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PublicOnlySet)]
        public SwitchParameter PublicOnly { get; set; }

        /// <summary>With -PublicOnly: Der (default) or Pem.</summary>
        [Parameter(ParameterSetName = PublicOnlySet)]
        public CertificateFileFormat Format { get; set; } = CertificateFileFormat.Der;

        /// <summary>File names in a -Destination folder, from the tokens {Email}, {Thumbprint}, {Subject-CN} and {Serial}.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? FileNamePattern { get; set; }

        /// <summary>Replace files that already exist.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                if (FileNamePattern != null)
                {
                    IdentityFileName.Validate(FileNamePattern);
                }
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, FileNamePattern);
            }
        }

        protected override void ProcessRecord() => _identities.AddRange(Certificate.Where(c => c != null).Select(c => CertificateOutput.EntryOf(c, "pipeline")));

        // Written here, once all are known, so progress can count them and chain certificates can be told apart.
        protected override void EndProcessing()
        {
            string destination;
            ProviderInfo provider;
            try
            {
                destination = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination, out provider, out _);
            }
            catch (Exception e) when (e is ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or PSArgumentException)
            {
                ThrowEngineError(new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound,
                    $"Cannot resolve -Destination '{Destination}': {e.Message}", "Check the drive and the spelling of the path.", Destination, e));
                return;
            }

            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            {
                ThrowEngineError(new SmimeException(ErrorIds.NotFileSystemPath, SmimeErrorKind.InvalidArgument,
                    $"-Destination '{Destination}' is on the {provider.Name} provider; identities are exported to files.",
                    "Give a file or folder path; to put an identity into a certificate store, use Import-SmimeIdentity on the exported file.", Destination));
            }

            var folder = Directory.Exists(destination);
            if (FileNamePattern != null && !folder)
            {
                ThrowEngineError(new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.InvalidArgument,
                    $"-FileNamePattern needs an existing folder as -Destination, and '{destination}' is not one.",
                    "Create the folder first, or give a file name as -Destination without -FileNamePattern.", Destination));
            }

            var pem = Format == CertificateFileFormat.Pem;
            var pattern = FileNamePattern ?? IdentityFileName.DefaultPattern(PublicOnly, pem);
            var exporter = new IdentityExporter(new IdentityExportOptions
            {
                Protection = Legacy ? Pkcs12Protection.Legacy : Pkcs12Protection.Aes256Sha256,
                IncludeChain = IncludeChain,
                SearchStoresForChain = IncludeChain,
                Overwrite = Force,
                PublicOnly = PublicOnly,
                Pem = pem,
            });
            var skipped = new List<CertificateEntry>();
            var work = IdentityExporter.Select(_identities, PublicOnly, skipped);
            foreach (var certificate in skipped.Select(e => e.Certificate))
            {
                WriteVerbose($"'{certificate.Subject}' is a CA certificate of an identity being exported, not an identity; -IncludeChain puts it into that identity's file.");
            }

            for (var i = 0; i < work.Count && !StopToken.IsCancellationRequested; i++)
            {
                var identity = work[i];
                var certificate = identity.Certificate;
                var file = folder ? System.IO.Path.Combine(destination, IdentityFileName.Expand(pattern, certificate)) : destination;
                WriteProgress(new ProgressRecord(1, ProgressActivity, $"{i + 1} of {work.Count}: {file}") { PercentComplete = (int)(100L * i / work.Count) });
                try
                {
                    exporter.CheckHasKey(identity);
                    if (!ShouldProcess($"{Pkcs12Writer.FriendlyNameOf(certificate)} ({certificate.Thumbprint}) -> {file}",
                        PublicOnly ? "Export the certificate" : "Export the identity with its private key"))
                    {
                        continue;
                    }

                    var password = PasswordPerIdentity != null ? IdentityPasswordScript.PasswordFor(PasswordPerIdentity, certificate) : Password;
                    WriteObject(exporter.Export(identity, file, password));
                }
                catch (SmimeException e)
                {
                    WriteEngineError(e, certificate);
                }
                catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(e, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, certificate)
                    {
                        ErrorDetails = new ErrorDetails($"Unexpected failure exporting '{certificate.Subject}' to '{file}': {e.Message}")
                        {
                            RecommendedAction = "Please report this if it looks like a bug; the other identities were still exported.",
                        },
                    });
                }
            }

            WriteProgress(new ProgressRecord(1, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
