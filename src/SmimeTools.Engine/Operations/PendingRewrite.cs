using System;
using System.IO;
using SmimeTools.Engine.IO;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// A message file rewritten to its temporary file and waiting for its batch to check it and put it in place; disposing
    /// it before then removes the temporary file and leaves the original as it is.
    /// </summary>
    internal sealed class PendingRewrite : IDisposable
    {
        public required FileReplacement Replacement { get; init; }

        /// <summary>What the rewrite did, as the check compares it.</summary>
        public required MessageUpdate Update { get; init; }

        /// <summary>SHA-256 of the original as the rewrite read it, for the journal.</summary>
        public required byte[] Before { get; init; }

        public required UpdateJournal Journal { get; init; }

        /// <summary>The message's key in the journal.</summary>
        public required string Key { get; init; }

        /// <summary>Reads the flushed new content back and checks it (throws to refuse it): how it was checked, and where it goes (null: over the original).</summary>
        public required Func<Stream, (string How, string? Destination)> Check { get; init; }

        /// <summary>How it was checked, once it was.</summary>
        public string? How { get; set; }

        public void Dispose() => Replacement.Dispose();
    }
}
