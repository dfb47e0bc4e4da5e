using System;
using SmimeTools.Engine.Cms;

namespace SmimeTools.Engine.Operations
{
    /// <summary>A signer of a signed layer; Status says whether the mathematics checks, nothing about trust.</summary>
    public sealed class MessageSigner
    {
        public string Subject { get; init; } = string.Empty;

        public string? Email { get; init; }

        public DateTimeOffset? SigningTime { get; init; }

        public string DigestAlgorithm { get; init; } = string.Empty;

        public string SignatureAlgorithm { get; init; } = string.Empty;

        public SignerStatus Status { get; init; }

        /// <summary>True when the content matches and the signature verifies; trust in the signer is not decided.</summary>
        public bool SignatureValid => Status == SignerStatus.Valid;

        public string? Thumbprint { get; init; }

        public string? Problem { get; init; }

        public override string ToString() => $"{Status}: {Email ?? Subject} ({DigestAlgorithm}, {SignatureAlgorithm})";
    }
}
