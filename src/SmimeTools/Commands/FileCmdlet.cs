using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>
    /// The file cmdlets' -Path (wildcards) and -LiteralPath (alias PSPath, so Get-ChildItem | cmdlet binds), resolved
    /// through the providers. A cmdlet whose -Path also takes pipeline input overrides <see cref="Path"/> to say so.
    /// </summary>
    public abstract class FileCmdlet : SmimeCmdlet
    {
        /// <summary>Files; wildcards are expanded.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.Path)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public virtual string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files, taken exactly as written.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ParameterSets.LiteralPath, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>The file-system paths of -Path or -LiteralPath, whichever set is bound; each path that fails is a per-item error.</summary>
        protected IEnumerable<string> ResolvedPaths()
        {
            var literal = ParameterSetName == ParameterSets.LiteralPath;
            return ResolveFileSystemPaths(literal ? LiteralPath : Path, literal);
        }

        /// <summary>
        /// Resolves -Path (wildcards) or -LiteralPath items to file-system paths. A path that does not exist or
        /// is not on the FileSystem provider is written as a per-item error and skipped.
        /// </summary>
        private IEnumerable<string> ResolveFileSystemPaths(IEnumerable<string> paths, bool literal)
        {
            foreach (var path in paths)
            {
                var resolved = new List<string>();
                try
                {
                    ProviderInfo provider;
                    if (literal)
                    {
                        var single = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
                        if (IsFileSystem(provider, path) && !File.Exists(single) && !Directory.Exists(single))
                        {
                            WriteEngineError(new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound,
                                $"Cannot find the path '{path}' because it does not exist.", "Check the spelling of the path.", path));
                            continue;
                        }

                        if (IsFileSystem(provider, path))
                        {
                            resolved.Add(single);
                        }
                    }
                    else
                    {
                        var many = GetResolvedProviderPathFromPSPath(path, out provider);
                        if (IsFileSystem(provider, path))
                        {
                            resolved.AddRange(many);
                        }
                    }
                }
                catch (ItemNotFoundException e)
                {
                    WriteEngineError(new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound,
                        $"Cannot find the path '{path}' because it does not exist.", "Check the spelling of the path.", path, e));
                    continue;
                }
                catch (Exception e) when (e is ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or PSArgumentException)
                {
                    WriteEngineError(new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound,
                        $"Cannot resolve the path '{path}': {e.Message}", "Check the drive and the spelling of the path.", path, e));
                    continue;
                }

                foreach (var item in resolved)
                {
                    yield return item;
                }
            }
        }

        private bool IsFileSystem(ProviderInfo provider, string path)
        {
            if (string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            // Cert: is the Certificate provider on Windows and SmimeTools' SmimeCertificate elsewhere.
            var isCertificateDrive = provider.Name.EndsWith("Certificate", StringComparison.OrdinalIgnoreCase);
            WriteEngineError(new SmimeException(ErrorIds.NotFileSystemPath, SmimeErrorKind.InvalidArgument,
                $"The path '{path}' is on the {provider.Name} provider; this parameter takes file-system paths.",
                isCertificateDrive
                    ? "For certificate stores use -CertStoreLocation (Get-SmimeCertificate -CertStoreLocation Cert:\\CurrentUser\\My), or pipe Get-ChildItem Cert:\\... into the cmdlet."
                    : "Give a path to a file or folder.", path));
            return false;
        }
    }
}
