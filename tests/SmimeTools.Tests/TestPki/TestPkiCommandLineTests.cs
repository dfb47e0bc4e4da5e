using System;
using System.IO;
using System.Text.Json;
using Xunit;
using Pki = global::SmimeTools.TestPki.TestPki;

namespace SmimeTools.Tests.TestPki
{
    /// <summary>
    /// The command line Pester uses (<c>dotnet SmimeTools.TestPki.dll &lt;folder&gt;</c>). A class of its own so that
    /// it runs in parallel with <see cref="TestPkiTests"/>.
    /// </summary>
    public sealed class TestPkiCommandLineTests
    {
        [Fact]
        public void CommandLine_CreatesPkiAndPrintsManifestPath()
        {
            string dll = typeof(Pki).Assembly.Location;
            string folder = Path.Combine(Path.GetTempPath(), "smimetools-testpki-cli-" + Guid.NewGuid().ToString("N"));
            try
            {
                (int code, string stdout, string stderr) = TestPkiTests.Run("dotnet", dll, folder);
                Assert.True(code == 0, stderr);
                Assert.Equal(string.Empty, stderr);
                string manifestPath = stdout.Trim();
                Assert.Equal(Path.Combine(folder, "manifest.json"), manifestPath);
                using JsonDocument manifest = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
                Assert.Equal(Pki.UserNames.Count, manifest.RootElement.GetProperty("users").GetArrayLength());
                Assert.Equal(folder, manifest.RootElement.GetProperty("folder").GetString());
                foreach (JsonElement user in manifest.RootElement.GetProperty("users").EnumerateArray())
                {
                    Assert.True(File.Exists(user.GetProperty("pkcs12Path").GetString()));
                }
            }
            finally
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }

        [Fact]
        public void CommandLine_WithoutFolder_FailsWithUsage()
        {
            (int code, string stdout, string stderr) = TestPkiTests.Run("dotnet", typeof(Pki).Assembly.Location);
            Assert.Equal(2, code);
            Assert.Equal(string.Empty, stdout);
            Assert.Contains("usage", stderr, StringComparison.Ordinal);
        }

        [Fact]
        public void CommandLine_UnwritableFolder_FailsWithMessage()
        {
            string file = Path.GetTempFileName();
            try
            {
                // A path below a regular file cannot be created as a folder.
                (int code, string stdout, string stderr) = TestPkiTests.Run("dotnet", typeof(Pki).Assembly.Location, Path.Combine(file, "pki"));
                Assert.Equal(1, code);
                Assert.Equal(string.Empty, stdout);
                Assert.StartsWith("SmimeTools.TestPki: ", stderr, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(file);
            }
        }
    }
}
