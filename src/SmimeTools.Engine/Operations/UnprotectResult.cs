using System.Collections.Generic;

namespace SmimeTools.Engine.Operations
{
    /// <summary>What Unprotect did to one message.</summary>
    public sealed class UnprotectResult
    {
        public UnprotectResult(string? source, string? destination, byte[]? content, IReadOnlyList<RemovedLayer> layers,
            string? from, string? to, string? subject, string? contentType, ContentIntegrity integrity)
        {
            Integrity = integrity;
            Source = source;
            Destination = destination;
            Content = content;
            Layers = layers;
            From = from;
            To = to;
            Subject = subject;
            ContentType = contentType;
        }

        public string? Source { get; }

        public string? Destination { get; }

        /// <summary>The opened message when it was not written to a file.</summary>
        public byte[]? Content { get; }

        /// <summary>The layers taken off, outermost first.</summary>
        public IReadOnlyList<RemovedLayer> Layers { get; }

        public string? From { get; }

        public string? To { get; }

        public string? Subject { get; }

        /// <summary>
        /// What vouches that the content is the one its sender made: authenticated encryption, a signature that verifies over
        /// it, or nothing (CBC encryption alone: changed ciphertext would have decrypted to changed content without an error).
        /// </summary>
        public ContentIntegrity Integrity { get; }

        /// <summary>The media type of what is left (text/plain, multipart/mixed, multipart/signed...).</summary>
        public string? ContentType { get; }
    }
}
