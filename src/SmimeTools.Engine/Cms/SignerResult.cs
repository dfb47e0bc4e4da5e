using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>One SignerInfo of a SignedData (or a countersignature) and what verifying it found.</summary>
    public sealed class SignerResult
    {
        internal SignerResult()
        {
        }

        /// <summary>How the SignerInfo names its certificate.</summary>
        public required CmsIdentifier SignerIdentifier { get; init; }

        /// <summary>The certificate <see cref="SignerIdentifier"/> names, from the message or the certificates given to the reader; null when not found.</summary>
        public X509Certificate2? Certificate { get; init; }

        /// <summary>SignerInfo version: 1 for issuerAndSerialNumber, 3 for subjectKeyIdentifier.</summary>
        public int Version { get; init; }

        public required string DigestAlgorithmOid { get; init; }

        /// <summary>The digest as the engine's enum; null for one it does not know.</summary>
        public DigestAlgorithm? DigestAlgorithm { get; init; }

        public required string SignatureAlgorithmOid { get; init; }

        /// <summary>The signature scheme as the engine's enum; null for DSA and unknown schemes (see <see cref="SignatureAlgorithmOid"/>).</summary>
        public SignatureAlgorithm? SignatureAlgorithm { get; init; }

        /// <summary>Signer key size in bits (RSA modulus, EC field); 0 when unknown.</summary>
        public int KeySize { get; init; }

        /// <summary>True when a digest or signature algorithm is weak (MD5, SHA-1, DSA). Reported, never refused.</summary>
        public bool IsWeakAlgorithm { get; init; }

        public bool HasSignedAttributes { get; init; }

        /// <summary>The signingTime attribute: what the signer claims, not a time anything is validated at.</summary>
        public DateTimeOffset? SigningTime { get; init; }

        /// <summary>The known content-encryption algorithms of the SMIMECapabilities attribute, in the signer's order of preference.</summary>
        public IReadOnlyList<ContentEncryptionAlgorithm> Capabilities { get; init; } = Array.Empty<ContentEncryptionAlgorithm>();

        /// <summary>Every capability OID of the SMIMECapabilities attribute, known or not, in order.</summary>
        public IReadOnlyList<string> CapabilityOids { get; init; } = Array.Empty<string>();

        /// <summary>The SMIMEEncryptionKeyPreference attribute: the certificate the signer wants to be encrypted to.</summary>
        public CmsIdentifier? EncryptionKeyPreference { get; init; }

        public IReadOnlyList<string> SignedAttributeOids { get; init; } = Array.Empty<string>();

        public IReadOnlyList<string> UnsignedAttributeOids { get; init; } = Array.Empty<string>();

        /// <summary>
        /// Whether the messageDigest attribute equals the digest of the content; null without signed attributes
        /// (the signature then covers the content directly) or when the content could not be hashed.
        /// </summary>
        public bool? MessageDigestMatches { get; init; }

        /// <summary>Whether the signature verifies with the signer certificate's public key.</summary>
        public bool SignatureVerified { get; init; }

        public SignerStatus Status { get; init; }

        /// <summary>True when <see cref="Status"/> is Valid.</summary>
        public bool IsValid => Status == SignerStatus.Valid;

        /// <summary>What went wrong, in plain words; null when valid.</summary>
        public string? Problem { get; init; }

        /// <summary>Countersignatures (RFC 5652 §11.4) on this signer's signature, each verified against it.</summary>
        public IReadOnlyList<SignerResult> Countersignatures { get; init; } = Array.Empty<SignerResult>();

        public override string ToString() => $"{Status}: {Certificate?.Subject ?? SignerIdentifier.ToString()}";
    }
}
