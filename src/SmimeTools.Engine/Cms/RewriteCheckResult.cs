using System.Collections.Generic;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// What <see cref="EnvelopedDataRewriter.Check"/> found in a rewritten message: whether its encrypted content is the
    /// expected one, and whether every recipient the given keys open yields the expected content-encryption key.
    /// </summary>
    public sealed class RewriteCheckResult
    {
        internal RewriteCheckResult(IReadOnlyList<EnvelopedRecipient> recipientsChecked, byte[] encryptedContentDigest, bool contentDigestMatches, bool contentKeyMatches,
            EnvelopedRecipient? carriedOpened = null)
        {
            CarriedOpened = carriedOpened;
            RecipientsChecked = recipientsChecked;
            EncryptedContentDigest = encryptedContentDigest;
            ContentDigestMatches = contentDigestMatches;
            ContentKeyMatches = contentKeyMatches;
        }

        /// <summary>
        /// The old recipient that opened the original, when its RecipientInfo (and every other carried one) was found byte for
        /// byte: confirmed without unwrapping the key again. Null when the check had no such fingerprint or the bytes differ.
        /// </summary>
        public EnvelopedRecipient? CarriedOpened { get; }

        /// <summary>The recipient entries the given keys opened (not counting <see cref="CarriedOpened"/>).</summary>
        public IReadOnlyList<EnvelopedRecipient> RecipientsChecked { get; }

        /// <summary>SHA-256 of the encrypted content octets found.</summary>
        public byte[] EncryptedContentDigest { get; }

        public bool ContentDigestMatches { get; }

        /// <summary>True when every checked recipient gave the expected key and, for CBC, the key decrypts the last block's padding.</summary>
        public bool ContentKeyMatches { get; }

        /// <summary>True when the rewrite can replace the original.</summary>
        public bool IsIntact => ContentDigestMatches && ContentKeyMatches && (RecipientsChecked.Count > 0 || CarriedOpened != null);

        public override string ToString() =>
            IsIntact ? $"intact ({RecipientsChecked.Count} recipients unwrapped{(CarriedOpened != null ? ", the old ones carried unchanged" : "")})" : $"not intact (content {(ContentDigestMatches ? "matches" : "differs")}, key {(ContentKeyMatches ? "matches" : "differs")})";
    }
}
