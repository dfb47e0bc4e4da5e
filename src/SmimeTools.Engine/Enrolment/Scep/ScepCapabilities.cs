using System;
using System.Collections.Generic;
using System.Linq;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>
    /// What a SCEP server says it can do (GetCACaps, RFC 8894 §3.5.2), and the choices this client makes from it:
    /// AES-128-CBC and SHA-256 when offered (SCEPStandard implies both, and POST), otherwise the RFC's fallbacks,
    /// triple DES and SHA-1 (weak, but what a server without those capabilities understands; single DES is never used).
    /// </summary>
    public sealed class ScepCapabilities
    {
        private readonly HashSet<string> _names;

        public ScepCapabilities(IEnumerable<string> names)
        {
            ArgumentNullException.ThrowIfNull(names);
            Names = names.Select(n => n.Trim()).Where(n => n.Length > 0).ToArray();
            _names = new HashSet<string>(Names, StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>The capabilities as the server listed them.</summary>
        public IReadOnlyList<string> Names { get; }

        public bool ScepStandard => Has("SCEPStandard");

        public bool PostPkiOperation => ScepStandard || Has("POSTPKIOperation");

        public bool Renewal => Has("Renewal");

        public bool Aes => ScepStandard || Has("AES");

        public bool Sha256 => ScepStandard || Has("SHA-256");

        public bool Sha512 => Has("SHA-512");

        /// <summary>The content encryption of the request's envelope.</summary>
        public ContentEncryptionAlgorithm ContentEncryption => Aes ? ContentEncryptionAlgorithm.Aes128Cbc : ContentEncryptionAlgorithm.TripleDesCbc;

        /// <summary>The digest of the request's signature.</summary>
        public DigestAlgorithm Digest => Sha256 ? DigestAlgorithm.Sha256 : Sha512 ? DigestAlgorithm.Sha512 : DigestAlgorithm.Sha1;

        /// <summary>Parses the GetCACaps body: one capability a line (RFC 8894 §3.5.2), case-insensitive.</summary>
        public static ScepCapabilities Parse(string text) =>
            new((text ?? string.Empty).Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries));

        public bool Has(string name) => _names.Contains(name);

        public override string ToString() => string.Join(", ", Names);
    }
}
