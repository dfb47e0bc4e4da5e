using System;
using System.Diagnostics;
using System.IO;
using Pki = global::SmimeTools.TestPki.TestPki;

namespace SmimeTools.Tests.TestPki
{
    /// <summary>
    /// xunit class fixture: one test PKI in a fresh temp folder, deleted when the test class is done.
    /// Usable by any test class: <c>IClassFixture&lt;TestPkiFixture&gt;</c>.
    /// </summary>
    public sealed class TestPkiFixture : IDisposable
    {
        public TestPkiFixture()
        {
            Folder = Path.Combine(Path.GetTempPath(), "smimetools-testpki-" + Guid.NewGuid().ToString("N"));
            var watch = Stopwatch.StartNew();
            Pki = Pki.Create(Folder);
            CreateTime = watch.Elapsed;
        }

        public string Folder { get; }

        public Pki Pki { get; }

        /// <summary>How long <see cref="Pki.Create(string)"/> took (reported, never asserted).</summary>
        public TimeSpan CreateTime { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
