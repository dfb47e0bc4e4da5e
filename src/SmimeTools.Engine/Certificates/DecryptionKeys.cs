using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Tokens;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// The keys encrypted layers are opened with, closed together by <see cref="Dispose"/>: the identities a user gave
    /// (certificates without a key are skipped, as chain certificates come along from PKCS#12), or every identity of
    /// certificate sources, read only when an encrypted layer first asks, so a message that is only signed never touches
    /// the stores. A token key is opened only if its certificate is a recipient of the message.
    /// </summary>
    public sealed class DecryptionKeys : IReadOnlyList<IKeyDecryptor>, IDisposable
    {
        private readonly Func<List<IKeyDecryptor>> _open;
        private readonly object _gate = new();
        private List<IKeyDecryptor>? _keys;
        private bool _closed;

        private DecryptionKeys(Func<List<IKeyDecryptor>> open)
        {
            _open = open;
        }

        /// <summary>
        /// A key for each entry that carries one (each thumbprint once). Throws <see cref="ErrorIds.NoPrivateKey"/>
        /// when none does; <paramref name="askPin"/> is asked for a token's PIN when its key is first used.
        /// </summary>
        public static DecryptionKeys FromIdentities(IEnumerable<CertificateEntry> identities, Func<TokenInfo, SecureString?>? askPin = null)
        {
            ArgumentNullException.ThrowIfNull(identities);
            var keys = new List<IKeyDecryptor>();
            try
            {
                foreach (var key in identities.Where(CertificateQuery.HasPrivateKey).GroupBy(e => e.Certificate.Thumbprint).Select(g => g.First().Key!))
                {
                    keys.Add(PrivateKeys.Decryptor(key, askPin));
                }
            }
            catch
            {
                Close(keys);
                throw;
            }

            if (keys.Count == 0)
            {
                throw new SmimeException(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidArgument,
                    "None of the certificates given to -Identity comes with its private key.",
                    "Read identities with their keys, for example -Identity (Get-SmimeCertificate bob.p12 -Password $password).");
            }

            return new DecryptionKeys(() => keys);
        }

        /// <summary>Every identity of <paramref name="sources"/>, read on first use; <paramref name="note"/> hears how many were found.</summary>
        public static DecryptionKeys FromSources(IReadOnlyList<CertificateSource> sources, Action<string>? note = null)
        {
            ArgumentNullException.ThrowIfNull(sources);
            return new DecryptionKeys(() =>
            {
                var keys = sources.SelectMany(s => s.Read()).Where(CertificateQuery.HasPrivateKey)
                    .GroupBy(e => e.Certificate.Thumbprint).Select(g => (IKeyDecryptor)new DeferredKeyDecryptor(g.First().Key!)).ToList();
                note?.Invoke($"No -Identity: trying the {keys.Count} identities (certificates with private keys) of {string.Join(", ", sources)} against the message's recipients.");
                return keys;
            });
        }

        public int Count => Keys.Count;

        public IKeyDecryptor this[int index] => Keys[index];

        private List<IKeyDecryptor> Keys => _closed ? throw new ObjectDisposedException(nameof(DecryptionKeys)) : _keys ?? Load();

        /// <summary>Opened once, even when several messages are decrypted at once.</summary>
        private List<IKeyDecryptor> Load()
        {
            lock (_gate)
            {
                return _keys ??= _open();
            }
        }

        public IEnumerator<IKeyDecryptor> GetEnumerator() => Keys.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public void Dispose()
        {
            _closed = true;
            if (_keys != null)
            {
                Close(_keys);
                _keys = null;
            }
        }

        private static void Close(IEnumerable<IKeyDecryptor> keys)
        {
            foreach (var key in keys)
            {
                (key as IDisposable)?.Dispose();
            }
        }
    }
}
