using System;
using System.Collections.Generic;

namespace SmimeTools.Engine.Operations
{
    /// <summary>One protection layer as inspection sees it, without decrypting.</summary>
    public sealed class MessageLayer
    {
        public LayerKind Kind { get; init; }

        /// <summary>The content encryption algorithm, the digest algorithms of the signers, or "zlib".</summary>
        public string? Algorithm { get; init; }

        public bool IsWeak { get; init; }

        public bool IsEncrypted => Kind is LayerKind.Enveloped or LayerKind.AuthEnveloped;

        public bool IsSigned => Kind is LayerKind.OpaqueSigned or LayerKind.DetachedSigned;

        /// <summary>Who can open an encrypted layer; empty for other layers.</summary>
        public IReadOnlyList<MessageRecipient> Recipients { get; init; } = Array.Empty<MessageRecipient>();

        /// <summary>Who signed a signed layer; empty for other layers.</summary>
        public IReadOnlyList<MessageSigner> Signers { get; init; } = Array.Empty<MessageSigner>();

        /// <summary>Something an analyst should know about the layer (a signature that could not be read, and the like).</summary>
        public string? Note { get; init; }

        public override string ToString() => Kind switch
        {
            LayerKind.OpaqueSigned => $"Signed-opaque({Algorithm})",
            LayerKind.DetachedSigned => $"Signed({Algorithm})",
            LayerKind.Compressed => "Compressed",
            _ => $"{Kind}({Algorithm})",
        };
    }
}
