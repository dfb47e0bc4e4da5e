using System;
using System.Collections.Generic;
using System.Linq;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// What Get-SmimeMessage sees in a message without any key: the header summary, the protection layers from
    /// the outside in, and what is visible inside the last layer it could open.
    /// </summary>
    public sealed class MessageSummary
    {
        /// <summary>The file the message is in; null for a message given in memory.</summary>
        public string? Path { get; init; }

        /// <summary>The message's position in an mbox file, from 1; null for a file holding one message.</summary>
        public int? Index { get; init; }

        /// <summary>Where the message's "From " line starts in the mbox file; null outside mbox files.</summary>
        public long? Offset { get; init; }

        public string From { get; init; } = string.Empty;

        public string To { get; init; } = string.Empty;

        public string Cc { get; init; } = string.Empty;

        public string Subject { get; init; } = string.Empty;

        public DateTimeOffset? Date { get; init; }

        public string? MessageId { get; init; }

        /// <summary>The outer message's content type (application/pkcs7-mime, multipart/signed, text/plain...).</summary>
        public string ContentType { get; init; } = string.Empty;

        /// <summary>The protection layers, outermost first; empty for a message without S/MIME protection.</summary>
        public IReadOnlyList<MessageLayer> Layers { get; init; } = Array.Empty<MessageLayer>();

        /// <summary>The content type inside the last opened layer; null when an encrypted layer hides it.</summary>
        public string? InnerContentType { get; init; }

        /// <summary>True when inspection stopped at an encrypted layer: what is inside is unknown without a key.</summary>
        public bool ContentHidden => Layers.Any(l => l.IsEncrypted);

        public bool IsEncrypted => Layers.Any(l => l.IsEncrypted);

        public bool IsSigned => Layers.Any(l => l.IsSigned);

        /// <summary>
        /// What vouches for the content, as far as can be seen without a key: a signature that verifies (over the content or
        /// over an encrypted layer), authenticated encryption, <see cref="ContentIntegrity.Unknown"/> for CBC encryption (only a
        /// signature inside could vouch; Unprotect-SmimeMessage tells), or nothing.
        /// </summary>
        public ContentIntegrity Integrity =>
            Layers.Any(l => l.IsSigned && l.Signers.Any(s => s.SignatureValid)) ? ContentIntegrity.Signed
            : Layers.Any(l => l.Kind == LayerKind.AuthEnveloped) ? ContentIntegrity.AuthenticatedEncryption
            : Layers.Any(l => l.Kind == LayerKind.Enveloped) ? ContentIntegrity.Unknown
            : ContentIntegrity.None;

        /// <summary>True when any layer uses an algorithm considered weak.</summary>
        public bool IsWeak => Layers.Any(l => l.IsWeak);

        /// <summary>The file names of attachments visible without decrypting (none behind an encrypted layer).</summary>
        public IReadOnlyList<string> Attachments { get; init; } = Array.Empty<string>();

        public int AttachmentCount => Attachments.Count;

        /// <summary>The message's size in bytes, where known.</summary>
        public long? Size { get; init; }

        /// <summary>The layers in one line, such as "Enveloped(AES-256-CBC) > Signed(SHA-256)"; "None" without protection.</summary>
        public string Protection => Layers.Count == 0 ? "None" : string.Join(" > ", Layers.Select(l => l.ToString()));

        /// <summary>The file name, with the mbox index where there is one.</summary>
        public string Source => (Path == null ? "(memory)" : System.IO.Path.GetFileName(Path)) + (Index is { } i ? $"#{i}" : string.Empty);

        public override string ToString() => $"{Source}: {Protection}";
    }
}
