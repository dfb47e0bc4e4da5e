using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Who takes part in protecting a message: the signer picked among the certificates given, its chain, the certificates
    /// of addresses (signers and recipients in the stores; recipients the stores lack in the directories, in order) and the
    /// sender's own copy. The stores are read when the first address needs them and directories connect on the first
    /// recipient the stores lack; <see cref="Note"/> hears why each certificate was chosen. Dispose closes the directories.
    /// </summary>
    public sealed class ProtectionParties : IDisposable
    {
        private readonly Lazy<IReadOnlyList<CertificateSource>> _stores;
        private readonly Lazy<SenderCertificateSelector> _senders;
        private readonly Lazy<RecipientResolver> _recipients;
        private readonly Lazy<IReadOnlyList<DirectoryCertificateSource>> _directories;
        private readonly Dictionary<string, string> _signerAddresses = new(StringComparer.OrdinalIgnoreCase);

        /// <param name="stores">The stores addresses are looked up in; called once, when the first address needs them.</param>
        public ProtectionParties(Func<IReadOnlyList<CertificateSource>> stores)
        {
            ArgumentNullException.ThrowIfNull(stores);
            _stores = new(stores);
            _senders = new(() => new SenderCertificateSelector(_stores.Value));
            _recipients = new(() => new RecipientResolver(_stores.Value));
            _directories = new(() => Directories
                .Select(d => new DirectoryCertificateSource(d, CancellationToken) { Note = Note, CacheLifetime = DirectoryCacheLifetime }).ToList());
        }

        /// <summary>Directories asked, in order, for recipient addresses the stores do not have.</summary>
        public IReadOnlyList<DirectoryLocation> Directories { get; init; } = Array.Empty<DirectoryLocation>();

        /// <summary>How long a directory's answer for an address is reused.</summary>
        public TimeSpan DirectoryCacheLifetime { get; init; } = DirectoryLookupCache.DefaultLifetime;

        /// <summary>Stops directory lookups.</summary>
        public CancellationToken CancellationToken { get; init; }

        /// <summary>Where the intermediates of a signer found in a store are looked for.</summary>
        public CertificateSource Intermediates { get; init; } = new StoreCertificateSource(CertificateStorePath.CurrentUserIntermediates);

        /// <summary>Hears each step of every choice (for -Verbose).</summary>
        public Action<string>? Note { get; init; }

        /// <summary>
        /// The one certificate with a private key among those given to sign with (its chain certificates come along without
        /// keys). <see cref="ErrorIds.NoPrivateKey"/> when none has one, <see cref="ErrorIds.AmbiguousCertificate"/> when several do.
        /// </summary>
        public static CertificateEntry PickSigner(IReadOnlyCollection<CertificateEntry> given)
        {
            ArgumentNullException.ThrowIfNull(given);
            var withKey = given.Where(CertificateQuery.HasPrivateKey).GroupBy(e => e.Certificate.Thumbprint).Select(g => g.First()).ToList();
            if (withKey.Count == 1)
            {
                return withKey[0];
            }

            if (withKey.Count == 0)
            {
                var first = given.FirstOrDefault()?.Certificate;
                throw new SmimeException(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidArgument,
                    first == null
                        ? "-SignWith named no certificate."
                        : $"None of the certificates given to -SignWith comes with its private key (first: {first.Subject}, {first.Thumbprint}).",
                    "Read the identity with its key, for example -SignWith (Get-SmimeCertificate alice.p12 -Password $password).", first);
            }

            throw new SmimeException(ErrorIds.AmbiguousCertificate, SmimeErrorKind.InvalidArgument,
                $"-SignWith got {withKey.Count} certificates with private keys: {string.Join(", ", withKey.Select(e => e.Certificate.Thumbprint))}.",
                "Pass exactly one identity to sign with.");
        }

        /// <summary>
        /// The recipients among certificates given to encrypt to: a certificate file may carry its chain, whose CA certificates
        /// are not recipients (<see cref="CertificateUsageRules.MailCertificatesAmong"/>: a self-signed certificate of an
        /// address is one). <see cref="ErrorIds.NoMatchingCertificate"/> when only CA certificates are left.
        /// </summary>
        public static IReadOnlyList<X509Certificate2> RecipientsAmong(IEnumerable<X509Certificate2> given)
        {
            ArgumentNullException.ThrowIfNull(given);
            var all = given.ToList();
            var recipients = CertificateUsageRules.MailCertificatesAmong(all).ToList();
            if (recipients.Count == 0)
            {
                var first = all.FirstOrDefault();
                throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.ObjectNotFound,
                    first == null
                        ? "-To named no recipient certificate."
                        : $"-To named no recipient certificate: only CA certificates were found ({string.Join(", ", all.Select(c => c.Subject).Distinct())}), which are skipped as chain certificates.",
                    "Pass the recipients' own certificates. A self-signed certificate is a recipient when it carries an e-mail address and its key usage does not allow keyCertSign.",
                    first);
            }

            return recipients;
        }

        /// <summary>The identity to sign as <paramref name="address"/> from the stores: a signing certificate with its key.</summary>
        public CertificateEntry SignerFor(string address)
        {
            var choice = _senders.Value.Select(address);
            Explain(choice);
            _signerAddresses[choice.Chosen.Certificate.Thumbprint] = address;
            return choice.Chosen;
        }

        /// <summary>The certificate to encrypt to <paramref name="address"/>: from the stores, else from the directories.</summary>
        public X509Certificate2 RecipientFor(string address)
        {
            CertificateChoice choice;
            try
            {
                choice = _recipients.Value.Resolve(address);
            }
            catch (SmimeException e) when (e.ErrorId == ErrorIds.NoMatchingCertificate && Directories.Count > 0)
            {
                // DirectoryRecipientResolver says what the stores and each directory said when none has one.
                Note?.Invoke($"{e.Message} Asking the directories.");
                choice = new DirectoryRecipientResolver(_directories.Value).Resolve(address, e);
            }

            Explain(choice);
            return choice.Chosen.Certificate;
        }

        /// <summary>
        /// The certificates the signature carries: the signer and its intermediates, looked for among the certificates
        /// <paramref name="given"/> with it, those read with it, <paramref name="extra"/> ones and, for a signer found in a
        /// store by address, <see cref="Intermediates"/>.
        /// </summary>
        public IReadOnlyList<X509Certificate2> ChainOf(X509Certificate2 signer, IEnumerable<X509Certificate2> given, IEnumerable<X509Certificate2>? extra = null)
        {
            ArgumentNullException.ThrowIfNull(signer);
            ArgumentNullException.ThrowIfNull(given);
            var candidates = given.Concat(ChainCollector.Companions(signer)).Concat(extra ?? Array.Empty<X509Certificate2>()).Concat(IssuersFor(signer));
            return ChainCollector.SignerAndIntermediates(signer, candidates);
        }

        /// <summary>
        /// Who else the message is encrypted to so the sender can read the sent copy: <paramref name="encryptionCertificate"/>
        /// when given, else the signer's own certificate if it can be encrypted to, else (for a signer found by address) the
        /// sender's encryption certificate from the stores; null when there is none.
        /// </summary>
        public X509Certificate2? SelfCopyFor(X509Certificate2 signer, X509Certificate2? encryptionCertificate)
        {
            ArgumentNullException.ThrowIfNull(signer);
            if (encryptionCertificate != null)
            {
                return encryptionCertificate;
            }

            if (CertificateFacts.CanEncrypt(signer))
            {
                return signer;
            }

            if (!_signerAddresses.TryGetValue(signer.Thumbprint, out var address))
            {
                return null;
            }

            var choice = _senders.Value.FindEncryptionCertificate(address);
            if (choice == null)
            {
                return null;
            }

            Explain(choice);
            return choice.Chosen.Certificate;
        }

        public void Dispose()
        {
            if (_directories.IsValueCreated)
            {
                foreach (var directory in _directories.Value)
                {
                    directory.Dispose();
                }
            }
        }

        private IEnumerable<X509Certificate2> IssuersFor(X509Certificate2 signer)
        {
            if (!_signerAddresses.ContainsKey(signer.Thumbprint))
            {
                return Array.Empty<X509Certificate2>();
            }

            try
            {
                return Intermediates.Read().Select(e => e.Certificate).ToList();
            }
            catch (SmimeException e)
            {
                Note?.Invoke($"The intermediate CAs of {Intermediates.Description} are not at hand for the signer's chain: {e.Message}");
                return Array.Empty<X509Certificate2>();
            }
        }

        private void Explain(CertificateChoice choice)
        {
            foreach (var reason in choice.Reasons)
            {
                Note?.Invoke(reason);
            }
        }
    }
}
