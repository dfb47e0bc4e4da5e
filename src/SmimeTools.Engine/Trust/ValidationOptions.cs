using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Everything a path validation depends on besides the certificate: the trust anchors the user chose, certificates
    /// and CRLs that may help, the validation time, the revocation mode and the RFC 5280 policy inputs. Certificates
    /// and CRLs carried in a message are passed to <see cref="PathValidator.Validate(X509Certificate2, IEnumerable{X509Certificate2}?, IEnumerable{byte[]}?, ValidationOptions, System.Threading.CancellationToken)"/>
    /// separately: they help build the path but are never trusted by themselves (DESIGN.md §4).
    /// </summary>
    public sealed class ValidationOptions
    {
        /// <summary>anyPolicy (RFC 5280 §4.2.1.4).</summary>
        public const string AnyPolicy = "2.5.29.32.0";

        private readonly List<(byte[] Data, string Source)> _crlFiles = new();
        private int _crlFileCount;

        /// <summary>Trust anchors given explicitly (-TrustedRoot). Any certificate may be one, self-signed or not.</summary>
        public IList<X509Certificate2> TrustedRoots { get; } = new List<X509Certificate2>();

        /// <summary>Also trust the machine's root store (on Linux the system CA bundle, on Windows LocalMachine\Root).</summary>
        public bool UseSystemTrustStore { get; set; }

        /// <summary>Also trust the current user's root store (Cert:\CurrentUser\Root; on Linux .NET's per-user Root store).</summary>
        public bool UseUserTrustStore { get; set; }

        /// <summary>Certificates that may be intermediates (-ExtraCertificate, stores, a user's files); never anchors.</summary>
        public IList<X509Certificate2> ExtraCertificates { get; } = new List<X509Certificate2>();

        /// <summary>Also look for intermediates in the CurrentUser and LocalMachine intermediate (CA) stores.</summary>
        public bool UseStoreIntermediates { get; set; }

        /// <summary>CRLs, DER or PEM (several PEM blocks allowed).</summary>
        public IList<byte[]> Crls { get; } = new List<byte[]>();

        /// <summary>The time to validate at; null means the current time. Never the signing time a signer claims.</summary>
        public DateTimeOffset? At { get; set; }

        public RevocationMode RevocationMode { get; set; } = RevocationMode.Offline;

        /// <summary>
        /// Report an unknown revocation status as a warning instead of an error (soft fail). Off by default: a path whose
        /// revocation cannot be established is not valid (PKITS 4.4.1).
        /// </summary>
        public bool AllowUnknownRevocation { get; set; }

        /// <summary>
        /// The user-initial-policy-set (policy OIDs); empty means anyPolicy. As in RFC 5280 and PKITS, a path that carries
        /// none of these policies is still valid unless an explicit policy is required (<see cref="RequireExplicitPolicy"/>
        /// or a CA's policy constraints): look at <see cref="PathValidationResult.UserConstrainedPolicies"/>.
        /// </summary>
        public ISet<string> InitialPolicies { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>initial-explicit-policy: the path must be valid for at least one policy of <see cref="InitialPolicies"/>.</summary>
        public bool RequireExplicitPolicy { get; set; }

        /// <summary>initial-policy-mapping-inhibit.</summary>
        public bool InhibitPolicyMapping { get; set; }

        /// <summary>initial-any-policy-inhibit.</summary>
        public bool InhibitAnyPolicy { get; set; }

        /// <summary>What the end-entity certificate must be allowed to do; e-mail signing unless said otherwise.</summary>
        public CertificatePurpose Purpose { get; set; } = CertificatePurpose.EmailSigning;

        /// <summary>
        /// Report MD2/MD5 signatures and RSA/DSA keys below 1024 bits as warnings instead of errors. SHA-1 and keys below
        /// 2048 bits are always warnings only (old mail and conformance suites use them).
        /// </summary>
        public bool AllowWeakAlgorithms { get; set; }

        /// <summary>Time allowed for each network request in <see cref="RevocationMode.Online"/>.</summary>
        public TimeSpan OnlineTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>Most network requests one validation makes.</summary>
        public int MaxOnlineRequests { get; set; } = 16;

        /// <summary>
        /// CRL size and count, path length and candidate paths (<see cref="InputLimits.MaximumCrlSize"/>,
        /// <see cref="InputLimits.MaximumCrlCount"/>, <see cref="InputLimits.MaximumPathLength"/>, <see cref="InputLimits.MaximumPathCandidates"/>).
        /// Set it before <see cref="AddCrlPath"/>, which reads files within it.
        /// </summary>
        public InputLimits Limits { get; set; } = InputLimits.Default;

        /// <summary>
        /// In <see cref="RevocationMode.Online"/>, also read CRLs from ldap:// and ldaps:// distribution points
        /// (<see cref="LdapRevocationFetcher.Default"/>) when no <see cref="Fetcher"/> is given.
        /// </summary>
        public bool ReadDirectoryDistributionPoints { get; set; }

        /// <summary>How <see cref="RevocationMode.Online"/> reaches the network; null uses <see cref="HttpRevocationFetcher"/> (see <see cref="ReadDirectoryDistributionPoints"/>).</summary>
        public IRevocationFetcher? Fetcher { get; set; }

        /// <summary>CRLs read by <see cref="AddCrlPath"/>, with the file they came from.</summary>
        internal IReadOnlyList<(byte[] Data, string Source)> CrlFiles => _crlFiles;

        /// <summary>
        /// Reads the CRLs of a file (DER, or PEM with one or more CRLs) or of every file in a folder (not its subfolders;
        /// files that hold no CRL are skipped).
        /// </summary>
        /// <exception cref="SmimeException">
        /// <see cref="ErrorIds.PathNotFound"/> when nothing is at <paramref name="path"/>; <see cref="ErrorIds.UnreadableCrlFile"/>
        /// when a file named directly holds no CRL or cannot be read; <see cref="ErrorIds.CrlTooLarge"/> for a file (named, or in
        /// the folder) larger than <see cref="InputLimits.MaximumCrlSize"/>; <see cref="ErrorIds.TooManyCrls"/> when the files
        /// given so far hold more than <see cref="InputLimits.MaximumCrlCount"/> CRLs.
        /// </exception>
        public void AddCrlPath(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            if (Directory.Exists(path))
            {
                foreach (string file in Directory.EnumerateFiles(path))
                {
                    byte[]? data = CrlFileReader.TryRead(file, Limits, out _);
                    if (data != null)
                    {
                        AddCrlFile(data, file);
                    }
                }

                return;
            }

            if (!File.Exists(path))
            {
                throw new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound,
                    $"The CRL file or folder '{path}' does not exist.", "Check the path given as a CRL.", path);
            }

            byte[]? crl = CrlFileReader.TryRead(path, Limits, out string? problem);
            if (crl == null)
            {
                throw new SmimeException(ErrorIds.UnreadableCrlFile, SmimeErrorKind.InvalidData,
                    $"The file '{path}' could not be used as a CRL: {problem}",
                    "Give a CRL file in DER or PEM form (-----BEGIN X509 CRL-----).", path);
            }

            AddCrlFile(crl, path);
        }

        private void AddCrlFile(byte[] data, string file)
        {
            _crlFileCount += CrlFileReader.Split(data).Count;
            if (_crlFileCount > Limits.MaximumCrlCount)
            {
                throw InputLimits.Exceeded(ErrorIds.TooManyCrls, $"The CRL files given (up to '{file}')", $"they hold {_crlFileCount} CRLs",
                    nameof(InputLimits.MaximumCrlCount), Limits.MaximumCrlCount, file);
            }

            _crlFiles.Add((data, "file " + file));
        }
    }
}
