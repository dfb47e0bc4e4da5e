using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// Runs the real peers the interop tests talk to (openssl, gpgsm, cmsutil, certutil, pk12util, ...)
    /// with a timeout, so a peer waiting for input fails the test instead of hanging the run.
    /// </summary>
    public static class ExternalTool
    {
        /// <summary>How long a peer may take unless the caller says otherwise.</summary>
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

        /// <summary>The full path of <paramref name="tool"/> on PATH (or the path itself when it is one), or null when absent.</summary>
        public static string? Find(string tool)
        {
            ArgumentException.ThrowIfNullOrEmpty(tool);
            if (tool.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                return File.Exists(tool) ? tool : null;
            }

            string[] extensions = OperatingSystem.IsWindows() ? new[] { ".exe", ".cmd", ".bat", string.Empty } : new[] { string.Empty };
            foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                foreach (string extension in extensions)
                {
                    string candidate = Path.Combine(folder, tool + extension);
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// Skips the running test, visibly and with the reason, unless every one of <paramref name="tools"/> is on PATH.
        /// Only for tests marked [SkippableFact] or [SkippableTheory]: elsewhere the skip would count as a failure.
        /// </summary>
        public static void Require(params string[] tools)
        {
            foreach (string tool in tools)
            {
                Skip.If(Find(tool) == null, $"'{tool}' is not installed (not on PATH; Debian package {PackageOf(tool)}), so this test did not run.");
            }
        }

        /// <summary>The Debian package that brings <paramref name="tool"/>.</summary>
        private static string PackageOf(string tool) => tool switch
        {
            "cmsutil" or "certutil" or "pk12util" => "libnss3-tools",
            "scepserver" => "scep",
            _ => tool,
        };

        /// <summary>
        /// Runs <paramref name="tool"/> (a name on PATH or a path) and waits for it. Throws
        /// <see cref="FileNotFoundException"/> when the tool is absent and <see cref="TimeoutException"/> (after killing it)
        /// when it runs longer than <paramref name="timeout"/> (default 60 s).
        /// </summary>
        public static (int ExitCode, string StdOut, string StdErr) Run(
            string tool,
            IEnumerable<string> args,
            string? stdin = null,
            TimeSpan? timeout = null,
            IReadOnlyDictionary<string, string?>? environment = null)
        {
            ArgumentNullException.ThrowIfNull(args);
            string path = Find(tool) ?? throw new FileNotFoundException($"The tool '{tool}' is not installed (not on PATH).", tool);
            var start = new ProcessStartInfo(path)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                CreateNoWindow = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            // Messages in English whatever the machine's locale, so tests can show them.
            start.Environment["LC_ALL"] = "C";
            if (environment != null)
            {
                foreach (KeyValuePair<string, string?> pair in environment)
                {
                    start.Environment[pair.Key] = pair.Value;
                }
            }

            TimeSpan limit = timeout ?? DefaultTimeout;
            using var process = new Process { StartInfo = start };
            try
            {
                process.Start();
            }
            catch (Win32Exception e)
            {
                throw new FileNotFoundException($"The tool '{path}' could not be started: {e.Message}", path, e);
            }

            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            try
            {
                if (stdin != null)
                {
                    process.StandardInput.Write(stdin);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool exited without reading its input; its exit code and messages tell why.
            }

            if (!process.WaitForExit(limit))
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It ended between the timeout and the kill.
                }

                process.WaitForExit();
                throw new TimeoutException(
                    $"'{path} {string.Join(' ', start.ArgumentList)}' did not finish within {limit.TotalSeconds:0} s and was stopped. Output so far: {Tail(stdout)} {Tail(stderr)}");
            }

            // The parameterless wait also waits for the redirected streams to reach their end.
            process.WaitForExit();
            return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }

        private static string Tail(Task<string> output) =>
            output.IsCompletedSuccessfully ? output.Result : "(still open)";
    }
}
