using System.Collections.Generic;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>What <see cref="EnvelopedDataReader"/> found while decrypting: algorithm, strength, who it was for and which key opened it.</summary>
    public sealed class DecryptionResult
    {
        internal DecryptionResult(
            bool isAuthenticated,
            ContentEncryptionAlgorithm contentAlgorithm,
            string contentAlgorithmOid,
            string contentAlgorithmName,
            string contentType,
            EnvelopedRecipient openedBy,
            IKeyDecryptor key,
            IReadOnlyList<EnvelopedRecipient> recipients,
            IReadOnlyList<EnvelopedAttribute> unprotectedAttributes,
            IReadOnlyList<EnvelopedAttribute> authenticatedAttributes,
            IReadOnlyList<EnvelopedAttribute> unauthenticatedAttributes,
            long contentLength)
        {
            IsAuthenticated = isAuthenticated;
            ContentAlgorithm = contentAlgorithm;
            ContentAlgorithmOid = contentAlgorithmOid;
            ContentAlgorithmName = contentAlgorithmName;
            ContentType = contentType;
            OpenedBy = openedBy;
            Key = key;
            Recipients = recipients;
            UnprotectedAttributes = unprotectedAttributes;
            AuthenticatedAttributes = authenticatedAttributes;
            UnauthenticatedAttributes = unauthenticatedAttributes;
            ContentLength = contentLength;
        }

        /// <summary>True for AuthEnvelopedData (AES-GCM, ChaCha20-Poly1305): the content's integrity was checked.</summary>
        public bool IsAuthenticated { get; }

        public ContentEncryptionAlgorithm ContentAlgorithm { get; }

        public string ContentAlgorithmOid { get; }

        /// <summary>"AES-256-CBC", "AES-128-GCM", "RC2-CBC (40-bit)".</summary>
        public string ContentAlgorithmName { get; }

        /// <summary>True when the content algorithm is no longer considered safe (3DES, RC2, DES): the message was readable, but say so.</summary>
        public bool IsWeak => AlgorithmPolicy.IsWeak(ContentAlgorithm);

        /// <summary>The OID of the decrypted content's type; id-data (1.2.840.113549.1.7.1) for S/MIME.</summary>
        public string ContentType { get; }

        /// <summary>The recipient entry the key matched.</summary>
        public EnvelopedRecipient OpenedBy { get; }

        /// <summary>The key that opened the message.</summary>
        public IKeyDecryptor Key { get; }

        /// <summary>The key's certificate in one line: subject and thumbprint.</summary>
        public string OpenedByDescription => $"{Key.Certificate.Subject} ({Key.Certificate.Thumbprint})";

        /// <summary>Every recipient the message was encrypted to.</summary>
        public IReadOnlyList<EnvelopedRecipient> Recipients { get; }

        /// <summary>EnvelopedData unprotectedAttrs (neither encrypted nor authenticated).</summary>
        public IReadOnlyList<EnvelopedAttribute> UnprotectedAttributes { get; }

        /// <summary>AuthEnvelopedData authAttrs, covered by the tag.</summary>
        public IReadOnlyList<EnvelopedAttribute> AuthenticatedAttributes { get; }

        /// <summary>AuthEnvelopedData unauthAttrs, not covered by the tag.</summary>
        public IReadOnlyList<EnvelopedAttribute> UnauthenticatedAttributes { get; }

        /// <summary>Bytes of decrypted content written.</summary>
        public long ContentLength { get; }

        public override string ToString() => $"{ContentAlgorithmName}, opened by {OpenedByDescription}";
    }
}
