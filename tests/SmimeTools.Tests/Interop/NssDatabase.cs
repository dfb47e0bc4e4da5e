using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// A throw-away NSS database (sql: form, with a password) for <c>certutil</c>, <c>pk12util</c> and <c>cmsutil</c>,
    /// deleted on dispose. Making one skips the running test visibly when the NSS tools are not installed.
    /// </summary>
    public sealed class NssDatabase : IDisposable
    {
        /// <summary>The database password, which is also the PIN of its softokn token.</summary>
        public const string Password = "nss-db-password";

        private readonly string _folder;

        public NssDatabase()
        {
            ExternalTool.Require("certutil", "pk12util", "cmsutil");
            _folder = EnvelopingInterop.NewFolder("nss");
            Folder = Directory.CreateDirectory(Path.Combine(_folder, "db")).FullName;
            PasswordFile = Path.Combine(_folder, "password.txt");
            File.WriteAllText(PasswordFile, Password + "\n");
            Check("certutil -N", Certutil("-N"));
        }

        /// <summary>The folder of cert9.db and key4.db, as in a Thunderbird profile; nothing else is in it.</summary>
        public string Folder { get; }

        /// <summary>The database as NSS tools take it after <c>-d</c>.</summary>
        public string Location => "sql:" + Folder;

        /// <summary>The file holding the database password; NSS tools read it with <c>-f</c> (pk12util: <c>-k</c>).</summary>
        public string PasswordFile { get; }

        public (int ExitCode, string StdOut, string StdErr) Certutil(params string[] args) => Run("certutil", args);

        public (int ExitCode, string StdOut, string StdErr) Cmsutil(params string[] args) => Run("cmsutil", args);

        /// <summary>Adds a certificate without its key; <paramref name="trust"/> is certutil's <c>-t</c> (e.g. <c>C,C,C</c> for a mail root).</summary>
        public void AddCertificate(string nickname, string certificatePath, string trust = ",,") =>
            Check("certutil -A", Certutil("-A", "-n", nickname, "-t", trust, "-i", certificatePath));

        /// <summary>Runs <c>pk12util -i</c> and returns its outcome, for callers that expect a refusal.</summary>
        public (int ExitCode, string StdOut, string StdErr) TryImportPkcs12(string path, string password)
        {
            // A file rather than -W: the password may hold characters a command line mangles.
            string passwordFile = Path.Combine(_folder, "p12-password.txt");
            File.WriteAllText(passwordFile, password + "\n");
            return ExternalTool.Run("pk12util", new[] { "-i", path, "-d", Location, "-k", PasswordFile, "-w", passwordFile });
        }

        public void ImportPkcs12(string path, string password) => Check("pk12util -i", TryImportPkcs12(path, password));

        /// <summary>The nickname NSS gave the certificate with <paramref name="thumbprint"/> (pk12util chooses it on import).</summary>
        public string NicknameOf(string thumbprint)
        {
            var listing = Certutil("-L");
            Check("certutil -L", listing);

            // After four heading lines, the nickname fills the first 60 columns of each line.
            foreach (var line in listing.StdOut.Split('\n').Skip(4))
            {
                var nickname = line.Length > 60 ? line[..60].Trim() : line.Trim();
                if (nickname.Length == 0)
                {
                    continue;
                }

                var (code, pem, _) = Certutil("-L", "-n", nickname, "-a");
                if (code == 0 && X509Certificate2.CreateFromPem(pem).Thumbprint == thumbprint)
                {
                    return nickname;
                }
            }

            throw new InvalidOperationException($"No certificate with thumbprint {thumbprint} in the NSS database.");
        }

        public void Dispose() => EnvelopingInterop.DeleteFolder(_folder);

        private static void Check(string what, (int ExitCode, string StdOut, string StdErr) run) =>
            Assert.True(run.ExitCode == 0, $"{what} failed ({run.ExitCode}): {run.StdOut} {run.StdErr}");

        private (int ExitCode, string StdOut, string StdErr) Run(string tool, IEnumerable<string> args) =>
            ExternalTool.Run(tool, args.Concat(new[] { "-d", Location, "-f", PasswordFile }));
    }
}
