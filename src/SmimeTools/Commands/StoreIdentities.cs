using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Commands
{
    /// <summary>
    /// The identities of certificate stores as decryption keys, read when an encrypted layer first asks for keys: a message
    /// that is only signed or compressed never touches the stores. Each key is opened only if its certificate is a
    /// recipient of the message.
    /// </summary>
    internal sealed class StoreIdentities : IReadOnlyList<IKeyDecryptor>, IDisposable
    {
        private readonly IReadOnlyList<CertificateSource> _sources;
        private readonly Action<string> _verbose;
        private List<DeferredKeyDecryptor>? _keys;

        public StoreIdentities(IReadOnlyList<CertificateSource> sources, Action<string> verbose)
        {
            _sources = sources;
            _verbose = verbose;
        }

        public int Count => Keys.Count;

        public IKeyDecryptor this[int index] => Keys[index];

        private List<DeferredKeyDecryptor> Keys
        {
            get
            {
                if (_keys == null)
                {
                    _keys = _sources.SelectMany(s => s.Read()).Where(CertificateQuery.HasPrivateKey)
                        .GroupBy(e => e.Certificate.Thumbprint).Select(g => new DeferredKeyDecryptor(g.First().Certificate)).ToList();
                    _verbose($"No -Identity: trying the {_keys.Count} identities (certificates with private keys) of {string.Join(", ", _sources)} against the message's recipients.");
                }

                return _keys;
            }
        }

        public IEnumerator<IKeyDecryptor> GetEnumerator() => Keys.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public void Dispose()
        {
            foreach (var key in _keys ?? new List<DeferredKeyDecryptor>())
            {
                key.Dispose();
            }

            _keys = null;
        }
    }
}
