using System;
using System.Collections.Generic;

namespace SmimeTools.Engine.Operations
{
    /// <summary>The end of an encryption update: how many messages were done, skipped and failed, and with which keys.</summary>
    public sealed class EncryptionUpdateSummary
    {
        public int Updated { get; internal set; }

        public int Skipped { get; internal set; }

        public int Failed { get; internal set; }

        /// <summary>Bytes of the messages looked at, before the update.</summary>
        public long Bytes { get; internal set; }

        /// <summary>Bytes of the messages that were rewritten, after the update.</summary>
        public long BytesWritten { get; internal set; }

        public TimeSpan Duration { get; internal set; }

        /// <summary>Each old key that opened messages ("subject (thumbprint)") and how many it opened.</summary>
        public IReadOnlyDictionary<string, int> KeysUsed => _keys;

        internal Dictionary<string, int> KeyCounts => _keys;

        private readonly Dictionary<string, int> _keys = new(StringComparer.Ordinal);

        public override string ToString() => $"{Updated} updated, {Skipped} skipped, {Failed} failed in {Duration.TotalSeconds:0.0} s";
    }
}
