using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Threading;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>What every SmimeTools cmdlet shares: path resolution through providers, engine errors as records, cancellation.</summary>
    public abstract class SmimeCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new();

        /// <summary>Cancelled when the user presses Ctrl+C; passed to long engine work.</summary>
        protected internal CancellationToken StopToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>
        /// Resolves -Path (wildcards) or -LiteralPath items to file-system paths. A path that does not exist or
        /// is not on the FileSystem provider is written as a per-item error and skipped.
        /// </summary>
        protected IEnumerable<string> ResolveFileSystemPaths(IEnumerable<string> paths, bool literal)
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

        /// <summary>Writes an engine failure as a non-terminating error record for one item.</summary>
        protected void WriteEngineError(SmimeException exception, object? target = null) =>
            WriteError(ErrorRecordFactory.From(exception, target));

        /// <summary>Stops the cmdlet with an engine failure, for when nothing more can run.</summary>
        protected void ThrowEngineError(SmimeException exception, object? target = null) =>
            ThrowTerminatingError(ErrorRecordFactory.From(exception, target));
    }
}
