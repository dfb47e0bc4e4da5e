using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Writes identities to files: PKCS#12 with the private key (owner-only on Unix), or the certificate alone as
    /// DER or PEM. Each file is written atomically and never replaces an existing one unless asked to; one exporter
    /// also refuses to write two identities of one run to the same file.
    /// </summary>
    public sealed class IdentityExporter
    {
        private readonly IdentityExportOptions _options;
        private readonly HashSet<string> _written = new(OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        private List<X509Certificate2>? _storeCandidates;

        public IdentityExporter(IdentityExportOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            if (options.Iterations < 1 || options.Iterations > Pkcs12Writer.MaxIterations)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.Iterations, "Iterations out of range.");
            }
        }

        /// <summary>What the files are: Pkcs12, Pkcs12Legacy, Der or Pem.</summary>
        public string Format => _options.PublicOnly ? (_options.Pem ? "Pem" : "Der")
            : _options.Protection == Pkcs12Protection.Legacy ? "Pkcs12Legacy" : "Pkcs12";

        /// <summary>True when the identity's private key is one that can be exported (in .NET, or read by SmimeTools from a file); opens no key.</summary>
        public static bool HasKey(CertificateEntry identity) => IdentityKeyExport.HasKey(identity);

        /// <summary>
        /// The certificates to write, once each (of copies, the one with its key). For PKCS#12 files, the keyless CA
        /// certificates that came with an identity from its file (Get-SmimeCertificate alice.p12 | ...) are its
        /// chain rather than identities without keys: they go to <paramref name="skipped"/> instead of failing.
        /// </summary>
        public static IReadOnlyList<CertificateEntry> Select(IEnumerable<CertificateEntry> certificates, bool publicOnly, ICollection<CertificateEntry>? skipped = null)
        {
            ArgumentNullException.ThrowIfNull(certificates);
            var unique = certificates
                .Where(c => c != null)
                .GroupBy(c => c.Certificate.Thumbprint, StringComparer.OrdinalIgnoreCase)
                .Select(g => g.FirstOrDefault(HasKey) ?? g.First())
                .ToList();
            if (publicOnly)
            {
                return unique;
            }

            var chains = new HashSet<string>(
                unique.Where(HasKey).SelectMany(e => ChainCollector.SignerAndIntermediates(e.Certificate, ChainCollector.Companions(e.Certificate)).Skip(1)).Select(c => c.Thumbprint),
                StringComparer.OrdinalIgnoreCase);
            var result = new List<CertificateEntry>();
            foreach (var certificate in unique)
            {
                if (!HasKey(certificate) && chains.Contains(certificate.Certificate.Thumbprint))
                {
                    skipped?.Add(certificate);
                }
                else
                {
                    result.Add(certificate);
                }
            }

            return result;
        }

        /// <summary>
        /// Fails with NoPrivateKey for a certificate without a key when a PKCS#12 file is asked for: a check that
        /// opens no key, for before -WhatIf and before a password is asked.
        /// </summary>
        public void CheckHasKey(CertificateEntry identity)
        {
            ArgumentNullException.ThrowIfNull(identity);
            if (!_options.PublicOnly && !IdentityKeyExport.HasKey(identity))
            {
                throw IdentityKeyExport.NoPrivateKey(identity.Certificate);
            }
        }

        /// <summary>
        /// Writes one identity to <paramref name="destination"/> (a file path); the record names the entry's source. The
        /// password is unused with PublicOnly.
        /// </summary>
        public IdentityRecord Export(CertificateEntry identity, string destination, SecureString? password)
        {
            ArgumentNullException.ThrowIfNull(identity);
            ArgumentNullException.ThrowIfNull(destination);
            var certificate = identity.Certificate;
            var path = Path.GetFullPath(destination);
            if (_written.Contains(path))
            {
                throw new SmimeException(ErrorIds.DestinationExists, SmimeErrorKind.WriteError,
                    $"'{path}' was just written for another identity of this export; '{certificate.Subject}' ({certificate.Thumbprint}) was not written over it.",
                    "Give a folder as -Destination with a -FileNamePattern that tells the identities apart, such as '{Email}-{Thumbprint}.p12'.", path);
            }

            CheckHasKey(identity);
            if (!_options.PublicOnly && password == null)
            {
                throw new SmimeException(ErrorIds.BadPassword, SmimeErrorKind.InvalidArgument,
                    $"No password was given for the PKCS#12 file of '{certificate.Subject}' ({certificate.Thumbprint}).",
                    "Give -Password, or a -PasswordPerIdentity script that returns a SecureString for every identity.", certificate);
            }

            var replaced = File.Exists(path);
            using var writer = AtomicFileWriter.Create(path, _options.Overwrite, privateFile: !_options.PublicOnly);
            var bytes = _options.PublicOnly
                ? (_options.Pem ? Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", certificate.RawData) + "\n") : certificate.RawData)
                : Pkcs12Writer.Write(identity, password!, _options.Protection, _options.IncludeChain ? ChainOf(certificate) : null,
                    iterations: _options.Iterations);
            try
            {
                writer.Stream.Write(bytes);
                writer.Commit();
            }
            catch (IOException e)
            {
                throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError,
                    $"Cannot write '{path}': {e.Message}", "Check the free space and that you may write there.", path, e);
            }

            _written.Add(path);
            return new IdentityRecord(certificate, "Export", Format, identity.Source, null, path, !_options.PublicOnly, !_options.PublicOnly, replaced);
        }

        /// <summary>
        /// The intermediates of <paramref name="certificate"/>, nearest first, from the certificates read with it,
        /// <see cref="IdentityExportOptions.ChainCandidates"/> and (when asked) the CA stores; never the root.
        /// </summary>
        public IReadOnlyList<X509Certificate2> ChainOf(X509Certificate2 certificate)
        {
            var pool = ChainCollector.Companions(certificate).Concat(_options.ChainCandidates);
            if (_options.SearchStoresForChain)
            {
                pool = pool.Concat(StoreCandidates());
            }

            return ChainCollector.SignerAndIntermediates(certificate, pool).Skip(1).ToList();
        }

        private List<X509Certificate2> StoreCandidates()
        {
            if (_storeCandidates != null)
            {
                return _storeCandidates;
            }

            _storeCandidates = new List<X509Certificate2>();
            foreach (var path in new[] { @"Cert:\CurrentUser\CA", @"Cert:\CurrentUser\My", @"Cert:\LocalMachine\CA" })
            {
                try
                {
                    // OpenExistingOnly: looking for intermediates must not create stores that are not there.
                    using var store = CertificateStorePath.Parse(path).Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                    _storeCandidates.AddRange(store.Certificates.Cast<X509Certificate2>().Where(ChainCollector.IsCertificateAuthority));
                }
                catch (SmimeException)
                {
                    // A store that cannot be opened has no intermediates to offer.
                }
            }

            return _storeCandidates;
        }
    }
}
