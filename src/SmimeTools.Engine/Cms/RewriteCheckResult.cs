using System.Collections.Generic;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// What <see cref="EnvelopedDataRewriter.Check"/> found in a rewritten message: whether its encrypted content is the
    /// expected one, and whether every recipient the given keys open yields the expected content-encryption key.
    /// </summary>
    public sealed class RewriteCheckResult
    {
        internal RewriteCheckResult(IReadOnlyList<EnvelopedRecipient> recipientsChecked, byte[] encryptedContentDigest, bool contentDigestMatches, bool contentKeyMatches)
        {
            RecipientsChecked = recipientsChecked;
            EncryptedContentDigest = encryptedContentDigest;
            ContentDigestMatches = contentDigestMatches;
            ContentKeyMatches = contentKeyMatches;
        }

        /// <summary>The recipient entries the given keys opened.</summary>
        public IReadOnlyList<EnvelopedRecipient> RecipientsChecked { get; }

        /// <summary>SHA-256 of the encrypted content octets found.</summary>
        public byte[] EncryptedContentDigest { get; }

        public bool ContentDigestMatches { get; }

        /// <summary>True when every checked recipient gave the expected key and, for CBC, the key decrypts the last block's padding.</summary>
        public bool ContentKeyMatches { get; }

        /// <summary>True when the rewrite can replace the original.</summary>
        public bool IsIntact => ContentDigestMatches && ContentKeyMatches && RecipientsChecked.Count > 0;

        public override string ToString() =>
            IsIntact ? $"intact ({RecipientsChecked.Count} recipients checked)" : $"not intact (content {(ContentDigestMatches ? "matches" : "differs")}, key {(ContentKeyMatches ? "matches" : "differs")})";
    }
}
