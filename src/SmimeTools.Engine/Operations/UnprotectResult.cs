using System.Collections.Generic;

namespace SmimeTools.Engine.Operations
{
    /// <summary>What Unprotect did to one message.</summary>
    public sealed class UnprotectResult
    {
        public UnprotectResult(string? source, string? destination, byte[]? content, IReadOnlyList<RemovedLayer> layers,
            string? from, string? to, string? subject, string? contentType)
        {
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

        /// <summary>The media type of what is left (text/plain, multipart/mixed, multipart/signed...).</summary>
        public string? ContentType { get; }
    }
}
