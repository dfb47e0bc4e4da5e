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

        /// <summary>Validation that trusts the test PKI's root, knows its intermediate and checks no revocation.</summary>
        public SmimeTools.Engine.Trust.ValidationOptions OfflineValidation()
        {
            var validation = new SmimeTools.Engine.Trust.ValidationOptions { RevocationMode = SmimeTools.Engine.Trust.RevocationMode.None };
            validation.TrustedRoots.Add(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Pki.Root.Certificate.GetEncoded()));
            validation.ExtraCertificates.Add(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Pki.Intermediate.Certificate.GetEncoded()));
            return validation;
        }

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
