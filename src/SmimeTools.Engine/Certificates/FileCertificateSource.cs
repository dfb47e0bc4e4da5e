using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// A certificate file, or a folder of them (PEM, DER, PKCS#7, PKCS#12; see <see cref="CertificateFileReader"/>).
    /// In a folder, a file holding only a key is skipped (it normally sits beside its certificate) and an unreadable
    /// file is a problem of that file alone.
    /// </summary>
    public sealed class FileCertificateSource : CertificateSource
    {
        private readonly SecureString? _password;

        public FileCertificateSource(string path, SecureString? password = null, bool recurse = false)
        {
            FilePath = path ?? throw new ArgumentNullException(nameof(path));
            _password = password;
            Recurse = recurse;
        }

        /// <summary>The file or folder, as a file-system path.</summary>
        public string FilePath { get; }

        public bool Recurse { get; }

        /// <summary>The limits each file is read within (of them, PKCS#12 files use <see cref="InputLimits.MaximumPkcs12Iterations"/>).</summary>
        public InputLimits Limits { get; init; } = InputLimits.Default;

        /// <summary>Receives what is worth telling with -Verbose: how many files a folder has, which were skipped.</summary>
        public Action<string>? Note { get; set; }

        public override string Description => FilePath;

        public override IEnumerable<CertificateEntry> Read(Action<SmimeException>? problem = null)
        {
            if (!Directory.Exists(FilePath))
            {
                foreach (var entry in CertificateFileReader.ReadFile(FilePath, _password, Limits))
                {
                    yield return entry;
                }

                yield break;
            }

            List<string> files;
            try
            {
                files = Directory.EnumerateFiles(FilePath, "*", new EnumerationOptions { RecurseSubdirectories = Recurse, IgnoreInaccessible = true })
                    .Where(f => CertificateFileReader.KnownExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .OrderBy(f => f, StringComparer.Ordinal)
                    .ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var failure = new SmimeException(ErrorIds.UnreadableCertificateFile, SmimeErrorKind.ReadError,
                    $"Cannot list the folder '{FilePath}': {e.Message}", "Check that you may read the folder.", FilePath, e);
                if (problem == null)
                {
                    throw failure;
                }

                problem(failure);
                yield break;
            }

            Note?.Invoke($"Reading {files.Count} certificate file(s) in '{FilePath}'" + (Recurse ? " and its subfolders." : "."));
            foreach (var file in files)
            {
                IReadOnlyList<CertificateEntry> entries;
                try
                {
                    entries = CertificateFileReader.ReadFile(file, _password, Limits);
                }
                catch (SmimeException e) when (e.ErrorId == ErrorIds.NoCertificateInFile)
                {
                    // A key file beside its certificate is normal in a folder; asked for by name, it is an error.
                    Note?.Invoke($"Skipping '{file}': it holds no certificate.");
                    continue;
                }
                catch (SmimeException e) when (problem != null)
                {
                    problem(e);
                    continue;
                }

                foreach (var entry in entries)
                {
                    yield return entry;
                }
            }
        }
    }
}
