using System;
using System.Collections.Generic;
using System.Linq;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Tests.Certificates
{
    /// <summary>Certificates handed in, counting every read, so a test can tell when (and how often) a source was read.</summary>
    internal sealed class CountingCertificateSource : CertificateSource
    {
        private readonly CertificateEntry[] _entries;

        public CountingCertificateSource(params CertificateEntry[] entries) => _entries = entries;

        public int Reads { get; private set; }

        public override string Description => "counting";

        public override IEnumerable<CertificateEntry> Read(Action<SmimeException>? problem = null)
        {
            Reads++;
            return _entries.ToList();
        }
    }
}
