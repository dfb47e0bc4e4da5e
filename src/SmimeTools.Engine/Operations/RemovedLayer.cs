using System;
using System.Collections.Generic;

namespace SmimeTools.Engine.Operations
{
    /// <summary>One protection layer Unprotect took off, and how it was made.</summary>
    public sealed class RemovedLayer
    {
        public RemovedLayer(LayerKind kind, string? algorithm, bool isWeak, string? openedBy, IReadOnlyList<string> recipients, IReadOnlyList<string> signers, string? note)
        {
            Kind = kind;
            Algorithm = algorithm;
            IsWeak = isWeak;
            OpenedBy = openedBy;
            Recipients = recipients;
            Signers = signers;
            Note = note;
        }

        public LayerKind Kind { get; }

        /// <summary>Content encryption, digest or compression algorithm of the layer.</summary>
        public string? Algorithm { get; }

        /// <summary>True when the layer used an algorithm no longer considered safe (3DES, RC2, DES, SHA-1, MD5).</summary>
        public bool IsWeak { get; }

        /// <summary>For encrypted layers: the certificate whose key opened it (thumbprint and subject).</summary>
        public string? OpenedBy { get; }

        /// <summary>For encrypted layers: every recipient the layer was made for.</summary>
        public IReadOnlyList<string> Recipients { get; }

        /// <summary>For signed layers: each signer and whether the signature checked out mathematically.</summary>
        public IReadOnlyList<string> Signers { get; }

        public string? Note { get; }

        internal RemovedLayer WithNote(string note) =>
            new(Kind, Algorithm, IsWeak, OpenedBy, Recipients, Signers, Note == null ? note : Note + " " + note);

        public override string ToString() => Algorithm == null ? Kind.ToString() : $"{Kind} ({Algorithm})";
    }
}
