using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>A certificate found in a source, with where it came from and where its key is.</summary>
    public sealed class CertificateEntry
    {
        public CertificateEntry(X509Certificate2 certificate, KeyLocation keyLocation, string source)
        {
            Certificate = certificate;
            KeyLocation = keyLocation;
            Source = source;
        }

        public X509Certificate2 Certificate { get; }

        public KeyLocation KeyLocation { get; }

        /// <summary>The file path, store path, directory URI or token the certificate was read from.</summary>
        public string Source { get; }
    }
}
