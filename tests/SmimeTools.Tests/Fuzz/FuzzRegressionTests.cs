using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SmimeTools.Fuzz;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Fuzz
{
    /// <summary>
    /// Replays every input the fuzzer found (tests/fuzz/regressions/TARGET/*) through its target's entry point: it must end
    /// accepted or with a typed engine error, within the allocation bound, and without hanging. CI runs this, never the fuzzer.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class FuzzRegressionTests
    {
        /// <summary>A hang guard for a loaded CI machine, not a benchmark: the fuzzer itself holds inputs to 1 s.</summary>
        private static readonly TimeSpan ReplayMaxElapsed = TimeSpan.FromSeconds(5);

        private static readonly object Gate = new();
        private static FuzzTargets? _targets;

        private readonly TestPkiFixture _fixture;

        public FuzzRegressionTests(TestPkiFixture fixture) => _fixture = fixture;

        public static string RegressionsFolder { get; } = Path.Combine(RepositoryRoot(), "tests", "fuzz", "regressions");

        public static IEnumerable<object[]> Regressions() =>
            Directory.EnumerateFiles(RegressionsFolder, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f) != "README.md")
                .Select(f => Path.GetRelativePath(RegressionsFolder, f).Replace('\\', '/'))
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => new object[] { f });

        [Theory]
        [MemberData(nameof(Regressions))]
        public void RegressionInputEndsInATypedErrorWithinBounds(string file)
        {
            var target = Targets()[file.Split('/')[0]];
            var input = File.ReadAllBytes(Path.Combine(RegressionsFolder, file));

            var outcome = FuzzBounds.Measure(target, input);

            Assert.True(outcome.Unexpected == null, $"{file}: {outcome.Unexpected}");
            Assert.True(outcome.AllocatedBytes <= FuzzBounds.MaxAllocatedBytes, $"{file}: {outcome.AllocatedBytes:N0} bytes allocated");
            Assert.True(outcome.Elapsed <= ReplayMaxElapsed, $"{file}: {outcome.Elapsed.TotalMilliseconds:N0} ms");
        }

        /// <summary>
        /// The same files in a child process, on a thread of 1 MiB of stack (less than the 1.5 MiB of the .NET thread pool's
        /// threads, where -ThrottleLimit workers run): input nested deep enough to overflow a stack kills a process, which no
        /// in-process assertion can report, so it is run where a crash is an exit code.
        /// </summary>
        [Fact]
        public void EveryRegressionEndsWithoutCrashingOnASmallStack()
        {
            var fuzz = Path.Combine(AppContext.BaseDirectory, "SmimeTools.Fuzz.dll");
            var environment = new Dictionary<string, string?> { ["SMIMETOOLS_FUZZ_PKI"] = _fixture.Pki.Folder };
            foreach (var folder in Directory.EnumerateDirectories(RegressionsFolder).OrderBy(f => f, StringComparer.Ordinal))
            {
                var target = Path.GetFileName(folder);
                var (exitCode, stdout, stderr) = Interop.ExternalTool.Run("dotnet", new[] { fuzz, "replay", "--stack", "1024", target, folder },
                    timeout: TimeSpan.FromMinutes(2), environment: environment);
                // A stack overflow prints thousands of frames: the first lines say which.
                Assert.True(exitCode == 0, $"{target}: exit code {exitCode}\n{stdout}\n{stderr[..Math.Min(stderr.Length, 2000)]}");
                Assert.DoesNotContain("FINDING", stdout, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void EveryRegressionFolderNamesATarget()
        {
            var names = Targets().All.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            var folders = Directory.EnumerateDirectories(RegressionsFolder).Select(Path.GetFileName).ToArray();

            Assert.NotEmpty(folders);
            Assert.All(folders, folder => Assert.Contains(folder!, names));
        }

        private FuzzTargets Targets()
        {
            lock (Gate)
            {
                // One set for the whole run: the keys load once, and the LDAP target's loopback server stays up.
                if (_targets == null || _targets.PkiFolder != _fixture.Pki.Folder)
                {
                    _targets = new FuzzTargets(_fixture.Pki.Folder, Path.Combine(Path.GetTempPath(), "smimetools-fuzz-replay-" + Guid.NewGuid().ToString("N")));
                    foreach (var target in _targets.All)
                    {
                        FuzzBounds.Measure(target, Array.Empty<byte>());
                    }
                }

                return _targets;
            }
        }

        private static string RepositoryRoot()
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "SmimeTools.sln")))
                {
                    return folder.FullName;
                }
            }

            throw new DirectoryNotFoundException($"No SmimeTools.sln above {AppContext.BaseDirectory}.");
        }
    }
}
