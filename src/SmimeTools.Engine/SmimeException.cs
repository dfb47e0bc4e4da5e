using System;

namespace SmimeTools.Engine
{
    /// <summary>
    /// A failure the engine can explain: it carries a stable <see cref="ErrorId"/>, a kind, the item it concerns
    /// and a sentence on what to do next.
    /// </summary>
    public class SmimeException : Exception
    {
        public SmimeException(string errorId, SmimeErrorKind kind, string message, string? recommendedAction = null, object? target = null, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Kind = kind;
            RecommendedAction = recommendedAction;
            Target = target;
        }

        /// <summary>One of <see cref="ErrorIds"/>.</summary>
        public string ErrorId { get; }

        public SmimeErrorKind Kind { get; }

        /// <summary>What the user can do about it, in one sentence; null when nothing useful can be said.</summary>
        public string? RecommendedAction { get; }

        /// <summary>The item the error concerns (a path, an address, a certificate).</summary>
        public object? Target { get; }
    }
}
