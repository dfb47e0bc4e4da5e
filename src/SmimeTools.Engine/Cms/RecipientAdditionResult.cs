using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// What <see cref="EnvelopedDataRewriter.AddRecipients(System.IO.Stream, System.IO.Stream, System.Collections.Generic.IReadOnlyList{SmimeTools.Engine.Keys.IKeyDecryptor}, EncryptionOptions, System.Threading.CancellationToken)"/> did to one encrypted message: which old key opened it, who it
    /// was and is now encrypted to, and fingerprints of the unchanged content and key for <see cref="EnvelopedDataRewriter.Check"/>.
    /// </summary>
    public sealed class RecipientAdditionResult
    {
        internal RecipientAdditionResult(
            bool isAuthenticated,
            ContentEncryptionAlgorithm contentAlgorithm,
            string contentAlgorithmOid,
            string contentAlgorithmName,
            EnvelopedRecipient openedBy,
            IKeyDecryptor key,
            IReadOnlyList<EnvelopedRecipient> recipientsBefore,
            IReadOnlyList<EnvelopedRecipient> recipientsAfter,
            IReadOnlyList<X509Certificate2> added,
            IReadOnlyList<X509Certificate2> alreadyPresent,
            int versionBefore,
            int versionAfter,
            long encryptedContentLength,
            byte[] encryptedContentDigest,
            byte[] contentKeyCheckValue,
            bool contentKeyConfirmed,
            CarriedRecipients carried)
        {
            Carried = carried;
            IsAuthenticated = isAuthenticated;
            ContentAlgorithm = contentAlgorithm;
            ContentAlgorithmOid = contentAlgorithmOid;
            ContentAlgorithmName = contentAlgorithmName;
            OpenedBy = openedBy;
            Key = key;
            RecipientsBefore = recipientsBefore;
            RecipientsAfter = recipientsAfter;
            Added = added;
            AlreadyPresent = alreadyPresent;
            VersionBefore = versionBefore;
            VersionAfter = versionAfter;
            EncryptedContentLength = encryptedContentLength;
            EncryptedContentDigest = encryptedContentDigest;
            ContentKeyCheckValue = contentKeyCheckValue;
            ContentKeyConfirmed = contentKeyConfirmed;
        }

        /// <summary>True for AuthEnvelopedData: authAttrs and mac were carried over unchanged, and stay valid because the key did not change.</summary>
        public bool IsAuthenticated { get; }

        public ContentEncryptionAlgorithm ContentAlgorithm { get; }

        public string ContentAlgorithmOid { get; }

        /// <summary>"AES-256-CBC", "AES-128-GCM".</summary>
        public string ContentAlgorithmName { get; }

        /// <summary>True when the content stays encrypted with an algorithm no longer considered safe: re-encrypt it instead.</summary>
        public bool IsWeak => AlgorithmPolicy.IsWeak(ContentAlgorithm);

        /// <summary>The old recipient entry whose key recovered the content-encryption key.</summary>
        public EnvelopedRecipient OpenedBy { get; }

        /// <summary>The old key that opened the message.</summary>
        public IKeyDecryptor Key { get; }

        public IReadOnlyList<EnvelopedRecipient> RecipientsBefore { get; }

        /// <summary>The old recipients, unchanged and in their order, then the added ones.</summary>
        public IReadOnlyList<EnvelopedRecipient> RecipientsAfter { get; }

        /// <summary>The certificates that were given a RecipientInfo.</summary>
        public IReadOnlyList<X509Certificate2> Added { get; }

        /// <summary>The certificates left out because the message already names them (issuer and serial number, or subject key identifier).</summary>
        public IReadOnlyList<X509Certificate2> AlreadyPresent { get; }

        /// <summary>The envelope's version before, and after as RFC 5652 §6.1 requires for the new recipients (AuthEnvelopedData stays 0).</summary>
        public int VersionBefore { get; }

        public int VersionAfter { get; }

        /// <summary>Bytes of encrypted content, copied unchanged.</summary>
        public long EncryptedContentLength { get; }

        /// <summary>SHA-256 of the encrypted content octets, the same in input and output; see <see cref="EnvelopedDataRewriter.DigestEncryptedContent"/>.</summary>
        public byte[] EncryptedContentDigest { get; }

        /// <summary>
        /// 16 bytes of HMAC-SHA256 keyed with the content-encryption key: tells a later check that a key recovered from the
        /// rewritten message is this one, without revealing it. Safe to keep in a job's journal.
        /// </summary>
        public byte[] ContentKeyCheckValue { get; }

        /// <summary>
        /// True when the recovered key was also tried on the content: the padding of the last CBC block decrypted correctly,
        /// or the AES-GCM / ChaCha20-Poly1305 tag matched the content (decrypted, and dropped, as it was copied).
        /// A key that fails either check is <see cref="ErrorIds.DecryptionFailed"/>, so a result always says true.
        /// </summary>
        public bool ContentKeyConfirmed { get; }

        /// <summary>
        /// The old RecipientInfos, copied byte for byte ahead of the new ones, and the one of them the old key opened: what
        /// lets <see cref="EnvelopedDataRewriter.Check"/> confirm the old recipients without unwrapping the key again.
        /// </summary>
        public CarriedRecipients Carried { get; }

        public override string ToString() =>
            $"{ContentAlgorithmName}, opened by {Key.Certificate.Subject}: {Added.Count} added, {AlreadyPresent.Count} already present, {RecipientsAfter.Count} recipients";
    }
}
