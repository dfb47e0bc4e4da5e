using System;

namespace SmimeTools.Engine.Cms
{
    /// <summary>The errors of encrypting and decrypting, worded once.</summary>
    internal static class EnvelopedErrors
    {
        public static SmimeException Malformed(string problem, Exception? inner = null) =>
            new(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData,
                $"The encrypted message is malformed: {problem}.",
                "The message was damaged or truncated in transit or storage; ask the sender for it again.", null, inner);

        public static SmimeException NoRecipients() =>
            new(ErrorIds.NoMatchingCertificate, SmimeErrorKind.InvalidArgument,
                "A message cannot be encrypted without recipients.", "Give at least one recipient certificate.");

        public static SmimeException UnsupportedAlgorithm(string problem, Exception? inner = null) =>
            new(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidData,
                $"The encrypted message cannot be opened: {problem}.",
                "Open it with software that supports the algorithm, or ask the sender to use AES.", null, inner);

        public static SmimeException DecryptionFailed(string? detail = null, Exception? inner = null) =>
            new(ErrorIds.DecryptionFailed, SmimeErrorKind.SecurityError,
                "The message could not be decrypted: it was altered after it was encrypted, or the key is not the one it was encrypted to"
                + (detail == null ? "." : $" ({detail})."),
                "Discard any output written so far; check that the right key was given, and ask the sender for the message again.", null, inner);
    }
}
