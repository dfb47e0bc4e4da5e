using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// What <see cref="EnvelopedDataWriter"/> encrypts to and how. Policy (which certificates may be used, whether a weak
    /// algorithm is allowed) is the caller's: the writer does what it is told.
    /// </summary>
    public sealed class EncryptionOptions
    {
        /// <summary>
        /// The recipients' certificates: RSA keys get key transport, EC (P-256/P-384/P-521), X25519 and X448 keys key agreement.
        /// </summary>
        public IReadOnlyList<X509Certificate2> Recipients { get; init; } = Array.Empty<X509Certificate2>();

        /// <summary>
        /// The content encryption. CBC algorithms make EnvelopedData; AES-GCM and ChaCha20-Poly1305 make AuthEnvelopedData
        /// (RFC 5083). Default AES-256-CBC, which every client reads.
        /// </summary>
        public ContentEncryptionAlgorithm ContentEncryption { get; init; } = AlgorithmPolicy.DefaultContentEncryption;

        /// <summary>How the content key reaches RSA recipients. Default PKCS#1 v1.5, which every client reads.</summary>
        public KeyEncryptionAlgorithm KeyEncryption { get; init; } = AlgorithmPolicy.DefaultKeyEncryption;

        /// <summary>Name recipients by subject key identifier instead of issuer and serial number.</summary>
        public bool UseSubjectKeyIdentifier { get; init; }
    }
}
