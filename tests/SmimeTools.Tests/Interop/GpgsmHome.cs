using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using Xunit;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// A throw-away GNUPGHOME for <c>gpgsm</c>; dispose stops the gpg-agent it started and deletes it. Making one skips
    /// the running test visibly when gpgsm is not installed.
    /// </summary>
    public sealed class GpgsmHome : IDisposable
    {
        public GpgsmHome()
        {
            ExternalTool.Require("gpgsm", "gpgconf");

            // Short: gpg-agent's socket path in it must stay under the 108-byte limit of Unix sockets.
            Folder = Path.Combine(Path.GetTempPath(), "smimetools-gpgsm-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(Folder);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        public string Folder { get; }

        private IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?> { ["GNUPGHOME"] = Folder };

        /// <summary>Runs gpgsm in this home, in batch mode and without dirmngr.</summary>
        public (int ExitCode, string StdOut, string StdErr) Run(params string[] args) => Start(null, args);

        /// <summary>Runs gpgsm with <paramref name="passphrase"/> given on stdin (loopback pinentry, DESIGN §7) for keys it unlocks or imports.</summary>
        public (int ExitCode, string StdOut, string StdErr) RunWithPassphrase(string passphrase, params string[] args) => Start(passphrase, args);

        private (int ExitCode, string StdOut, string StdErr) Start(string? passphrase, string[] args)
        {
            var all = new List<string> { "--batch", "--disable-dirmngr" };
            if (passphrase != null)
            {
                all.AddRange(new[] { "--pinentry-mode", "loopback", "--passphrase-fd", "0" });
            }

            all.AddRange(args);
            return ExternalTool.Run("gpgsm", all, stdin: passphrase == null ? null : passphrase + "\n", environment: Environment);
        }

        public void ImportCertificates(params string[] paths)
        {
            var (code, _, stderr) = Run(new[] { "--import" }.Concat(paths).ToArray());
            Assert.True(code == 0, $"gpgsm --import failed ({code}): {stderr}");
        }

        /// <summary>Marks the root (DER file) as trusted for S/MIME in gpg-agent's trust list.</summary>
        public void TrustRoot(string rootDerPath) =>
            File.WriteAllText(Path.Combine(Folder, "trustlist.txt"), Convert.ToHexString(SHA1.HashData(File.ReadAllBytes(rootDerPath))) + " S\n");

        /// <summary>Runs <c>gpgsm --import</c> of a PKCS#12 file and returns its outcome, for callers that expect a refusal.</summary>
        public (int ExitCode, string StdOut, string StdErr) TryImportPkcs12(string path, string password) => RunWithPassphrase(password, "--import", path);

        public void ImportPkcs12(string path, string password)
        {
            var (code, _, stderr) = TryImportPkcs12(path, password);
            Assert.True(code == 0 && stderr.Contains("secret keys imported: 1", StringComparison.Ordinal), $"gpgsm --import of {path} failed ({code}): {stderr}");
        }

        public void Dispose()
        {
            // Stops only the gpg-agent (and dirmngr) of this home.
            ExternalTool.Run("gpgconf", new[] { "--kill", "all" }, environment: Environment);
            EnvelopingInterop.DeleteFolder(Folder);
        }
    }
}
