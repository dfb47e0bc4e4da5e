using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Import-SmimeIdentity: puts identities (certificates with their private keys) from PKCS#12 and PEM files into a
    /// certificate store, Cert:\CurrentUser\My by default, on every OS.
    /// </summary>
    [Cmdlet(VerbsData.Import, "SmimeIdentity", DefaultParameterSetName = ParameterSets.Path, SupportsShouldProcess = true)]
    [OutputType("SmimeTools.Engine.Certificates.IdentityRecord")]
    public sealed class ImportSmimeIdentityCommand : FileCmdlet
    {
        private const string ProgressActivity = "Importing identities";

        private static readonly string[] FolderExtensions = { ".p12", ".pfx" };

        private readonly List<string> _files = new();
        private CertificateStorePath? _store;

        /// <summary>PKCS#12 or PEM files, or folders of .p12/.pfx files; wildcards are expanded; paths also come from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.Path, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public override string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>The password of the files (PKCS#12, or encrypted PEM keys).</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        /// <summary>The store to import into.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(CertStoreLocationCompleter))]
        [ValidateNotNullOrEmpty]
        public string CertStoreLocation { get; set; } = @"Cert:\CurrentUser\My";

        /// <summary>Let the imported keys be exported again (Windows and macOS; on Linux they always can be).</summary>
        [Parameter]
        public SwitchParameter Exportable { get; set; }

        /// <summary>Write the identities onto a token of this PKCS#11 library instead of into a store; keys go on it sensitive and non-extractable.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Pkcs11Module { get; set; }

        /// <summary>With -Pkcs11Module: the token to write to, by label or serial number (needed when the library has several).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Token { get; set; }

        /// <summary>With -Pkcs11Module: the token's user PIN; asked for when it is not given.</summary>
        [Parameter]
        public SecureString? Pin { get; set; }

        /// <summary>Most key-derivation and MAC iterations one PKCS#12 file may have run, all its steps together (2,000,000 by default).</summary>
        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long MaximumPkcs12Iterations { get; set; }

        private InputLimits Limits => MyInvocation.BoundParameters.ContainsKey(nameof(MaximumPkcs12Iterations))
            ? InputLimits.Default with { MaximumPkcs12Iterations = MaximumPkcs12Iterations }
            : InputLimits.Default;

        protected override void BeginProcessing()
        {
            if (Pkcs11Module != null)
            {
                TokenIdentityImport.CheckArguments(this, MyInvocation.BoundParameters.ContainsKey(nameof(CertStoreLocation)) || Exportable.IsPresent);
                return;
            }

            try
            {
                _store = CertificateStorePath.Parse(CertStoreLocation);
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, CertStoreLocation);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var path in ResolvedPaths())
            {
                if (Directory.Exists(path))
                {
                    _files.AddRange(IdentityFilesIn(path));
                }
                else
                {
                    _files.Add(path);
                }
            }
        }

        // The files are imported here, once all are known, so progress can count them.
        protected override void EndProcessing()
        {
            if (Pkcs11Module != null)
            {
                TokenIdentityImport.Run(this, _files, Password, Limits, Pkcs11Module, Token, Pin);
                return;
            }

            using var importer = new IdentityImporter(_store!, Exportable.IsPresent);
            var done = 0;
            for (var i = 0; i < _files.Count && !StopToken.IsCancellationRequested; i++)
            {
                var file = _files[i];
                WriteProgress(new ProgressRecord(1, ProgressActivity, $"{i + 1} of {_files.Count}: {file}")
                {
                    PercentComplete = (int)(100L * i / _files.Count),
                });
                if (!ShouldProcess(file, $"Import the identities of the file into {importer.Store.DisplayPath}"))
                {
                    continue;
                }

                ImportFile(importer, file);
                done++;
            }

            WriteProgress(new ProgressRecord(1, ProgressActivity, $"{done} file(s) done") { RecordType = ProgressRecordType.Completed });
        }

        private void ImportFile(IdentityImporter importer, string file)
        {
            IReadOnlyList<CertificateEntry> identities;
            try
            {
                identities = IdentityImporter.ReadIdentities(file, Password, Limits);
            }
            catch (SmimeException e)
            {
                WriteEngineError(e, file);
                return;
            }

            try
            {
                importer.Open();
            }
            catch (SmimeException e)
            {
                // The store itself refuses: no other file can be imported either.
                ThrowEngineError(e, importer.Store.DisplayPath);
            }

            foreach (var identity in identities)
            {
                try
                {
                    var record = importer.Add(identity);
                    WriteVerbose($"Imported '{record.Subject}' ({record.Thumbprint}) from '{file}' into {record.Store}.");
                    WriteObject(record);
                }
                catch (SmimeException e)
                {
                    WriteEngineError(e, file);
                }
                catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(e, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, file)
                    {
                        ErrorDetails = new ErrorDetails($"Unexpected failure importing '{identity.Certificate.Subject}' from '{file}': {e.Message}")
                        {
                            RecommendedAction = "Please report this if it looks like a bug; the other files were still imported.",
                        },
                    });
                }
            }
        }

        private IEnumerable<string> IdentityFilesIn(string folder)
        {
            try
            {
                var files = Directory.EnumerateFiles(folder)
                    .Where(f => FolderExtensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .OrderBy(f => f, StringComparer.Ordinal)
                    .ToList();
                WriteVerbose($"Importing the {files.Count} PKCS#12 file(s) in '{folder}'.");
                return files;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteEngineError(new SmimeException(ErrorIds.UnreadableCertificateFile, SmimeErrorKind.ReadError,
                    $"Cannot list the folder '{folder}': {e.Message}", "Check that you may read the folder.", folder, e));
                return Array.Empty<string>();
            }
        }
    }
}
