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
    /// <summary>Get-SmimeCertificate: finds certificates, and the identities that have keys, in files and folders.</summary>
    [Cmdlet(VerbsCommon.Get, "SmimeCertificate", DefaultParameterSetName = ParameterSets.Path)]
    [OutputType(typeof(X509Certificate2))]
    public sealed class GetSmimeCertificateCommand : SmimeCmdlet
    {
        /// <summary>Files or folders to read; wildcards are expanded.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.Path, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files or folders to read, taken exactly as written.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ParameterSets.LiteralPath, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>Password of PKCS#12 files and encrypted PEM keys.</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        /// <summary>Search folders and their subfolders.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        protected override void ProcessRecord()
        {
            var literal = ParameterSetName == ParameterSets.LiteralPath;
            foreach (var path in ResolveFileSystemPaths(literal ? LiteralPath : Path, literal))
            {
                if (Directory.Exists(path))
                {
                    foreach (var file in FilesIn(path))
                    {
                        ReadOne(file, inFolder: true);
                    }
                }
                else
                {
                    ReadOne(path, inFolder: false);
                }
            }
        }

        private IEnumerable<string> FilesIn(string folder)
        {
            var option = Recurse ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
            IEnumerable<string> files;
            try
            {
                files = Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = Recurse, IgnoreInaccessible = true })
                    .Where(f => CertificateFileReader.KnownExtensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .OrderBy(f => f, StringComparer.Ordinal)
                    .ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteEngineError(new SmimeException(ErrorIds.UnreadableCertificateFile, SmimeErrorKind.ReadError,
                    $"Cannot list the folder '{folder}': {e.Message}", "Check that you may read the folder.", folder, e));
                yield break;
            }

            WriteVerbose($"Reading {((ICollection<string>)files).Count} certificate file(s) in '{folder}'" + (option == SearchOption.AllDirectories ? " and its subfolders." : "."));
            foreach (var file in files)
            {
                yield return file;
            }
        }

        private void ReadOne(string file, bool inFolder)
        {
            if (StopToken.IsCancellationRequested)
            {
                return;
            }

            IReadOnlyList<CertificateEntry> entries;
            try
            {
                entries = CertificateFileReader.ReadFile(file, Password);
            }
            catch (SmimeException e) when (inFolder && e.ErrorId == ErrorIds.NoCertificateInFile)
            {
                // A key file beside its certificate is normal in a folder; asked for by name, it is an error.
                WriteVerbose($"Skipping '{file}': it holds no certificate.");
                return;
            }
            catch (SmimeException e)
            {
                WriteEngineError(e, file);
                return;
            }

            foreach (var entry in entries)
            {
                WriteObject(CertificateOutput.Decorate(entry));
            }
        }
    }
}
