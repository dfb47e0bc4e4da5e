using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>What <see cref="SignedDataBuilder"/> signs with and what it puts in the signature.</summary>
    public sealed class SigningOptions
    {
        /// <summary>The capabilities announced when the caller names none: the AEAD ciphers first, then AES-CBC (RFC 8551 §2.7).</summary>
        public static IReadOnlyList<ContentEncryptionAlgorithm> DefaultCapabilities { get; } = Array.AsReadOnly(new[]
        {
            ContentEncryptionAlgorithm.Aes256Gcm,
            ContentEncryptionAlgorithm.Aes128Gcm,
            ContentEncryptionAlgorithm.Aes256Cbc,
            ContentEncryptionAlgorithm.Aes192Cbc,
            ContentEncryptionAlgorithm.Aes128Cbc,
        });

        /// <summary>The key that signs; its certificate names the signer (issuerAndSerialNumber).</summary>
        public required ISigningKey Key { get; set; }

        /// <summary>
        /// The message digest. Ed25519 keys always use SHA-512 (RFC 8419 §3); see <see cref="SignedDataBuilder.DigestFor"/>.
        /// Policy (refusing SHA-1) is the caller's; SHA-224 is not offered for new signatures.
        /// </summary>
        public DigestAlgorithm Digest { get; set; } = AlgorithmPolicy.DefaultDigest;

        /// <summary>The signature scheme; Default takes the key's own (RSA PKCS#1 v1.5, ECDSA, Ed25519).</summary>
        public SignatureAlgorithm Algorithm { get; set; } = SignatureAlgorithm.Default;

        /// <summary>
        /// The certificates embedded in the signature, in this order (the caller decides on signer and chain);
        /// null embeds the signer's certificate alone, an empty list embeds none.
        /// </summary>
        public IReadOnlyList<X509Certificate2>? Certificates { get; set; }

        /// <summary>
        /// The content-encryption algorithms announced in the SMIMECapabilities attribute, strongest first;
        /// empty leaves the attribute out.
        /// </summary>
        public IReadOnlyList<ContentEncryptionAlgorithm> Capabilities { get; set; } = DefaultCapabilities;

        /// <summary>
        /// The certificate others should encrypt to, announced in the SMIMEEncryptionKeyPreference attribute
        /// (RFC 8551 §2.5.3, issuerAndSerialNumber form); null leaves it out.
        /// </summary>
        public X509Certificate2? EncryptionKeyPreference { get; set; }

        /// <summary>
        /// More signed attributes (OID and the DER of each value), after the standard ones: SCEP (RFC 8894 §3.2.1) puts
        /// messageType, transactionID and nonces here. An OID the builder writes itself is refused.
        /// </summary>
        public IReadOnlyList<(string Oid, byte[] Value)> AdditionalSignedAttributes { get; set; } = Array.Empty<(string, byte[])>();

        /// <summary>The signingTime attribute (whole seconds, UTC): UTCTime up to 2049, GeneralizedTime from 2050.</summary>
        public DateTimeOffset SigningTime { get; set; } = DateTimeOffset.UtcNow;
    }
}
