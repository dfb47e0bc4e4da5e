using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SmimeTools.Engine.Tokens;
using SmimeTools.Tests.Interop;

namespace SmimeTools.Tests.Tokens
{
    /// <summary>
    /// SoftHSM2 for the token tests: its library and softhsm2-util found at run time, tokens kept in a temp folder named
    /// by a temp SOFTHSM2_CONF. SoftHSM reads the variable with getenv when it starts; .NET on Unix keeps its
    /// own copy of the environment, and the engine copies it to the C library before a library starts. One instance serves the whole test run
    /// (a library starts once per process); each test class makes its own tokens.
    /// </summary>
    public sealed class SoftHsm : IDisposable
    {
        public const string UserPin = "123456";
        public const string SoPin = "12345678";

        private static readonly string[] LibraryCandidates =
        {
            "/usr/lib/softhsm/libsofthsm2.so",
            "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
            "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
            "/usr/local/lib/softhsm/libsofthsm2.so",
            "/opt/homebrew/lib/softhsm/libsofthsm2.so",
        };

        private static readonly Lazy<SoftHsm?> Shared = new(Start);

        private SoftHsm(string library, string folder)
        {
            LibraryPath = library;
            Folder = folder;
            ConfigPath = Path.Combine(folder, "softhsm2.conf");
        }

        public string LibraryPath { get; }

        public string Folder { get; }

        public string ConfigPath { get; }

        /// <summary>Why the token tests cannot run here, or null when they can.</summary>
        public static string? Missing
        {
            get
            {
                if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
                {
                    return "the SoftHSM2 token tests run on Linux and macOS";
                }

                if (FindLibrary() == null)
                {
                    return "SoftHSM2 is not installed (no libsofthsm2.so; on Debian: apt-get install softhsm2)";
                }

                return ExternalTool.Find("softhsm2-util") == null ? "softhsm2-util is not on PATH (on Debian: apt-get install softhsm2)" : null;
            }
        }

        /// <summary>The shared instance, or null when SoftHSM2 is absent (see <see cref="Missing"/>).</summary>
        public static SoftHsm? Instance => Shared.Value;

        public static string? FindLibrary() => LibraryCandidates.FirstOrDefault(File.Exists);

        /// <summary>Initialises a new token with the user PIN <see cref="UserPin"/>; returns its serial number.</summary>
        public string InitToken(string label)
        {
            var (code, stdout, stderr) = ExternalTool.Run("softhsm2-util",
                new[] { "--init-token", "--free", "--label", label, "--so-pin", SoPin, "--pin", UserPin },
                environment: new Dictionary<string, string?> { ["SOFTHSM2_CONF"] = ConfigPath });
            if (code != 0)
            {
                throw new InvalidOperationException($"softhsm2-util --init-token failed ({code}): {stdout} {stderr}");
            }

            // A token made after the library started is seen only after it starts again.
            TokenLibrary.FinaliseAll();
            return TokenLibrary.Open(LibraryPath).Tokens().Single(t => t.Label == label).SerialNumber;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private static SoftHsm? Start()
        {
            if (Missing != null)
            {
                return null;
            }

            var folder = Path.Combine(Path.GetTempPath(), "smimetools-softhsm-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            var tokens = Directory.CreateDirectory(Path.Combine(folder, "tokens"));
            var hsm = new SoftHsm(FindLibrary()!, folder);
            File.WriteAllText(hsm.ConfigPath, $"directories.tokendir = {tokens.FullName}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");

            // Set as PowerShell's $env: would: the engine hands it on to the library (.NET alone would keep it to itself).
            Environment.SetEnvironmentVariable("SOFTHSM2_CONF", hsm.ConfigPath);

            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                TokenLibrary.FinaliseAll();
                hsm.Dispose();
            };
            return hsm;
        }
    }
}
