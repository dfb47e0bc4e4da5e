using System;
using System.Collections.Generic;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Operations
{
    /// <summary>How Unprotect opens a message.</summary>
    public sealed class UnprotectOptions
    {
        /// <summary>Keys to try against the recipients of encrypted layers.</summary>
        public IReadOnlyList<IKeyDecryptor> Keys { get; set; } = Array.Empty<IKeyDecryptor>();

        /// <summary>Also take off multipart/signed, keeping only the signed content.</summary>
        public bool RemoveSignature { get; set; }

        /// <summary>Puts addresses to the recipients named when no key opens a message (NoDecryptionKey); may be null.</summary>
        public Func<EnvelopedRecipient, string?>? ResolveRecipient { get; set; }

        /// <summary>
        /// Refuse content nothing authenticates (<see cref="ContentIntegrity.None"/>) with <see cref="ErrorIds.UnauthenticatedContent"/>,
        /// writing nothing: CBC encryption without a signature that verifies over the content.
        /// </summary>
        public bool RequireAuthenticated { get; set; }

        /// <summary>How deep layers may nest, how far compressed layers may expand, how many certificates a layer may carry.</summary>
        public InputLimits Limits { get; set; } = InputLimits.Default;
    }
}
