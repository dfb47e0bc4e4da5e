using System;
using System.Collections.Generic;
using System.Linq;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>Certificates handed in by the caller (the pipeline, a parameter), each with where it came from if known.</summary>
    public sealed class CertificateCollectionSource : CertificateSource
    {
        private readonly IReadOnlyList<CertificateEntry> _entries;

        public CertificateCollectionSource(IEnumerable<CertificateEntry> entries, string description)
        {
            ArgumentNullException.ThrowIfNull(entries);
            _entries = entries.ToArray();
            Description = description ?? throw new ArgumentNullException(nameof(description));
        }

        public override string Description { get; }

        public override IEnumerable<CertificateEntry> Read(Action<SmimeException>? problem = null) => _entries;
    }
}
