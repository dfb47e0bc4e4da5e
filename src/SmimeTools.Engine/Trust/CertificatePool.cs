using System;
using System.Collections.Generic;

namespace SmimeTools.Engine.Trust
{
    /// <summary>Certificates indexed by subject name, each exact certificate once.</summary>
    internal sealed class CertificatePool
    {
        private readonly Dictionary<string, List<CertificateData>> _bySubject = new(StringComparer.Ordinal);
        private readonly Dictionary<string, CertificateData> _byId = new(StringComparer.Ordinal);

        public int Count => _byId.Count;

        public IEnumerable<CertificateData> All => _byId.Values;

        /// <summary>Adds the certificate unless the same one is there already; returns the one kept.</summary>
        public CertificateData Add(CertificateData certificate)
        {
            if (_byId.TryGetValue(certificate.Id, out var existing))
            {
                return existing;
            }

            _byId.Add(certificate.Id, certificate);
            if (!_bySubject.TryGetValue(certificate.Subject.Key, out var list))
            {
                list = new List<CertificateData>();
                _bySubject.Add(certificate.Subject.Key, list);
            }

            list.Add(certificate);
            return certificate;
        }

        public bool Contains(CertificateData certificate) => _byId.ContainsKey(certificate.Id);

        public IReadOnlyList<CertificateData> WithSubject(DistinguishedName name) =>
            _bySubject.TryGetValue(name.Key, out var list) ? list : Array.Empty<CertificateData>();
    }
}
