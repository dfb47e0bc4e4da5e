using System;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>What became of one identity imported into a certificate store or exported to a file.</summary>
    public sealed class IdentityRecord
    {
        internal IdentityRecord(X509Certificate2 certificate, string operation, string format, string source, string? store, string? path,
            bool hasPrivateKey, bool exportable, bool replaced)
        {
            Certificate = certificate;
            Thumbprint = certificate.Thumbprint;
            Subject = certificate.Subject;
            Emails = CertificateFacts.GetEmails(certificate);
            NotAfter = certificate.NotAfter;
            KeyAlgorithm = IdentityFacts.KeyAlgorithmOf(certificate);
            Operation = operation;
            Format = format;
            Source = source;
            Store = store;
            Path = path;
            HasPrivateKey = hasPrivateKey;
            Exportable = exportable;
            Replaced = replaced;
        }

        public string Thumbprint { get; }

        public string Subject { get; }

        public string[] Emails { get; }

        public DateTime NotAfter { get; }

        /// <summary>Key family and size, for example "RSA 2048", "EC P-256", "Ed25519".</summary>
        public string KeyAlgorithm { get; }

        /// <summary>"Import" or "Export".</summary>
        public string Operation { get; }

        /// <summary>Store (an import), Pkcs12, Pkcs12Legacy, Der or Pem (an export).</summary>
        public string Format { get; }

        /// <summary>Where the identity came from: the file imported, or the file or store the exported certificate was read from.</summary>
        public string Source { get; }

        /// <summary>The store it was imported into, as Cert:\Location\Name; null for exports.</summary>
        public string? Store { get; }

        /// <summary>The file it was exported to; null for imports.</summary>
        public string? Path { get; }

        /// <summary>Where it went: <see cref="Store"/> or <see cref="Path"/>.</summary>
        public string Destination => Store ?? Path ?? string.Empty;

        /// <summary>True when the private key went too (false for -PublicOnly exports).</summary>
        public bool HasPrivateKey { get; }

        /// <summary>
        /// For imports, whether the stored key may be exported again. On Linux .NET's store keeps keys in files
        /// its owner can read, so they are always exportable there.
        /// </summary>
        public bool Exportable { get; }

        /// <summary>True when an existing file was overwritten (-Force) or the store already held the certificate.</summary>
        public bool Replaced { get; }

        /// <summary>The certificate as stored or exported.</summary>
        public X509Certificate2 Certificate { get; }

        public override string ToString() => $"{Operation} {Thumbprint} -> {Destination}";
    }
}
