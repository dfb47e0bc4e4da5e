using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;

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

        /// <summary>Certificates with no known origin: their key is a store key when they have one .NET can use.</summary>
        public CertificateCollectionSource(IEnumerable<X509Certificate2> certificates, string description)
            : this(certificates.Select(c => new CertificateEntry(c, PrivateKeys.LocationOf(c), description)), description)
        {
        }

        public override string Description { get; }

        public override IEnumerable<CertificateEntry> Read(Action<SmimeException>? problem = null) => _entries;
    }
}
