using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Operations
{
    /// <summary>What Protect does to a message: sign, encrypt, or both (sign first, then encrypt).</summary>
    public sealed class ProtectOptions
    {
        /// <summary>The key to sign with; null to encrypt only.</summary>
        public ISigningKey? SigningKey { get; set; }

        /// <summary>Certificates to embed in the signature (signer first); empty embeds none.</summary>
        public IReadOnlyList<X509Certificate2> SignatureCertificates { get; set; } = Array.Empty<X509Certificate2>();

        /// <summary>application/pkcs7-mime signed-data instead of multipart/signed.</summary>
        public bool Opaque { get; set; }

        public DigestAlgorithm Digest { get; set; } = AlgorithmPolicy.DefaultDigest;

        public SignatureAlgorithm SignatureAlgorithm { get; set; } = SignatureAlgorithm.Default;

        /// <summary>Announced in the EncryptionKeyPreference attribute when the signer encrypts with another certificate.</summary>
        public X509Certificate2? EncryptionCertificate { get; set; }

        /// <summary>The signing time to put in the signature; now when null.</summary>
        public DateTimeOffset? SigningTime { get; set; }

        /// <summary>Who can decrypt; empty to sign only.</summary>
        public IReadOnlyList<X509Certificate2> Recipients { get; set; } = Array.Empty<X509Certificate2>();

        public ContentEncryptionAlgorithm ContentEncryption { get; set; } = AlgorithmPolicy.DefaultContentEncryption;

        public KeyEncryptionAlgorithm KeyEncryption { get; set; } = AlgorithmPolicy.DefaultKeyEncryption;

        /// <summary>Let weak algorithms and small keys through (the user asked for them knowingly).</summary>
        public bool AllowWeakAlgorithm { get; set; }

        /// <summary>How deep the MIME parts of the message to protect may nest (<see cref="InputLimits.MaximumNestingDepth"/>).</summary>
        public InputLimits Limits { get; set; } = InputLimits.Default;

        /// <summary>
        /// Messages from this size are parsed on a second thread while their body is copied (<see cref="Messages.MessageToProtect"/>);
        /// tests set it low to take that path with small messages.
        /// </summary>
        internal long ParseAlongsideFrom { get; set; } = Messages.MessageToProtect.ParseAlongsideFrom;
    }
}
