using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Import-SmimeIdentity -Pkcs11Module: the identities of the files go onto one token, through one session and one
    /// login made when the first file is confirmed (-WhatIf logs in nowhere).
    /// </summary>
    internal static class TokenIdentityImport
    {
        private const string ProgressActivity = "Importing identities onto a token";

        public static void CheckArguments(ImportSmimeIdentityCommand command, bool storeArguments)
        {
            if (storeArguments)
            {
                command.ThrowTerminatingError(ErrorRecordFactory.From(new SmimeException(ErrorIds.InvalidStorePath, SmimeErrorKind.InvalidArgument,
                    "-Pkcs11Module writes to a token; -CertStoreLocation and -Exportable are for stores.",
                    "Give either -Pkcs11Module (with -Token and -Pin) or -CertStoreLocation."), command.Pkcs11Module));
            }
        }

        public static void Run(ImportSmimeIdentityCommand command, IReadOnlyList<string> files, SecureString? password, InputLimits limits, string module, string? token, SecureString? pin)
        {
            var modulePath = TokenArguments.ModulePath(command, module);
            using var writer = new TokenWriter(modulePath, token, pin, TokenPinPrompt.For(command));
            var destination = token == null ? $"the token of {modulePath}" : $"token '{token}' of {modulePath}";
            for (var i = 0; i < files.Count; i++)
            {
                var file = files[i];
                command.WriteProgress(new ProgressRecord(1, ProgressActivity, $"{i + 1} of {files.Count}: {file}") { PercentComplete = (int)(100L * i / files.Count) });
                if (!command.ShouldProcess(file, $"Import the identities of the file onto {destination} (the keys cannot be exported from there)"))
                {
                    continue;
                }

                IReadOnlyList<CertificateEntry> identities;
                try
                {
                    identities = IdentityImporter.ReadIdentities(file, password, limits);
                }
                catch (SmimeException e)
                {
                    command.WriteError(ErrorRecordFactory.From(e, file));
                    continue;
                }

                try
                {
                    writer.Open();
                }
                catch (SmimeException e)
                {
                    // No token, wrong PIN, no library: no other file can be written either.
                    command.ThrowTerminatingError(ErrorRecordFactory.From(e, modulePath));
                }

                foreach (var identity in identities)
                {
                    try
                    {
                        var record = writer.Write(identity);
                        command.WriteVerbose($"Wrote '{record.Subject}' ({record.Thumbprint}) from '{file}' to {record.Store}.");
                        command.WriteObject(record);
                    }
                    catch (SmimeException e)
                    {
                        command.WriteError(ErrorRecordFactory.From(e, file));
                    }
                }
            }

            command.WriteProgress(new ProgressRecord(1, ProgressActivity, "done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
