using System;
using System.Collections.Generic;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Operations
{
    /// <summary>What Protect did to one message.</summary>
    public sealed class ProtectResult
    {
        public ProtectResult(string? source, string? destination, byte[]? content, bool signed, bool opaque, bool encrypted,
            string? signerThumbprint, IReadOnlyList<string> recipientThumbprints, DigestAlgorithm? digest,
            ContentEncryptionAlgorithm? contentEncryption, string? subject)
        {
            Source = source;
            Destination = destination;
            Content = content;
            Signed = signed;
            Opaque = opaque;
            Encrypted = encrypted;
            SignerThumbprint = signerThumbprint;
            RecipientThumbprints = recipientThumbprints;
            Digest = digest;
            ContentEncryption = contentEncryption;
            Subject = subject;
        }

        public string? Source { get; }

        public string? Destination { get; }

        /// <summary>The protected message when it was not written to a file.</summary>
        public byte[]? Content { get; }

        public bool Signed { get; }

        public bool Opaque { get; }

        public bool Encrypted { get; }

        public string? SignerThumbprint { get; }

        public IReadOnlyList<string> RecipientThumbprints { get; }

        public DigestAlgorithm? Digest { get; }

        public ContentEncryptionAlgorithm? ContentEncryption { get; }

        public string? Subject { get; }
    }
}
