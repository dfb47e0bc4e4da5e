using System;
using System.Collections.Generic;

namespace SmimeTools.Engine.Operations
{
    /// <summary>One message of an encryption update: what was done, with which key, and for whom it is encrypted now.</summary>
    public sealed record MessageUpdate
    {
        /// <summary>The file, or the mbox file the message is in.</summary>
        public string? Path { get; init; }

        /// <summary>For a message of an mbox file: its number (from 1).</summary>
        public int? Index { get; init; }

        public MessageUpdateState State { get; init; }

        /// <summary>Why it was skipped; null when it was updated.</summary>
        public string? Reason { get; init; }

        /// <summary>The old key that opened it: subject and thumbprint.</summary>
        public string? OpenedBy { get; init; }

        /// <summary>Thumbprint of the certificate of the old key that opened it.</summary>
        public string? KeyThumbprint { get; init; }

        public string? AlgorithmBefore { get; init; }

        public string? AlgorithmAfter { get; init; }

        /// <summary>True when the old content encryption was weak (3DES, RC2, DES).</summary>
        public bool WasWeak { get; init; }

        public IReadOnlyList<string> RecipientsBefore { get; init; } = Array.Empty<string>();

        public IReadOnlyList<string> RecipientsAfter { get; init; } = Array.Empty<string>();

        /// <summary>Subjects of the certificates the message was given to.</summary>
        public IReadOnlyList<string> Added { get; init; } = Array.Empty<string>();

        /// <summary>Old recipients the message is no longer encrypted to (re-encryption only).</summary>
        public IReadOnlyList<string> Removed { get; init; } = Array.Empty<string>();

        public long BytesBefore { get; init; }

        public long BytesAfter { get; init; }

        /// <summary>SHA-256 of the whole rewritten message, as the journal records it.</summary>
        public byte[]? DigestAfter { get; init; }

        /// <summary>How the rewritten message was checked before it replaced the original.</summary>
        public string? Checked { get; init; }

        /// <summary>SHA-256 of the encrypted content (adding recipients) or of the decrypted content (re-encrypting), for the check.</summary>
        internal byte[]? ContentDigest { get; init; }

        /// <summary>A check value of the content-encryption key, for the check of an added recipient.</summary>
        internal byte[]? ContentKeyCheckValue { get; init; }

        /// <summary>The old recipients an added recipient's rewrite copied, for the check to confirm without unwrapping again.</summary>
        internal Cms.CarriedRecipients? Carried { get; init; }

        /// <summary>SHA-256 of the bytes outside the envelope as they must be in the new message.</summary>
        internal byte[]? OuterDigest { get; init; }

        internal long OuterLength { get; init; }

        public override string ToString() => Reason == null ? $"{State}: {Path}" : $"{State}: {Path} ({Reason})";
    }
}
