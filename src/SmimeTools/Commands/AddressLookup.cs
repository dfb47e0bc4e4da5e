using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Looks up the addresses given to -SignWith and -To in the stores of -CertStoreLocation, and writes why each
    /// certificate was chosen as -Verbose. The stores are opened only when the first address needs them. -To addresses
    /// the stores do not have are asked of the -Directory directories, in order; their connections close with Dispose.
    /// </summary>
    internal sealed class AddressLookup : IDisposable
    {
        private readonly ProtectSmimeMessageCommand _command;
        private readonly Lazy<IReadOnlyList<CertificateSource>> _sources;
        private readonly Lazy<SenderCertificateSelector> _senders;
        private readonly Lazy<RecipientResolver> _recipients;
        private readonly Dictionary<string, string> _signerAddresses = new(StringComparer.OrdinalIgnoreCase);
        private readonly Lazy<IReadOnlyList<DirectoryCertificateSource>> _directories;

        public AddressLookup(ProtectSmimeMessageCommand command)
        {
            _command = command;
            _sources = new(() => CertStoreLocations.Sources(command.CertStoreLocation));
            _senders = new(() => new SenderCertificateSelector(_sources.Value));
            _recipients = new(() => new RecipientResolver(_sources.Value));
            // The URIs are checked now (a typo is an error even when the stores have every address); connections wait for a lookup.
            var directories = DirectoryArguments.Directories(command.Directory ?? Array.Empty<object>(), null, false, null, null, null);
            _directories = new(() => directories
                .Select(d => DirectoryArguments.Source(d, command.StopToken, command.WriteVerbose, command.DirectoryCacheLifetime)).ToList());
        }

        /// <summary>The identity to sign as the address: a signing certificate with its key.</summary>
        public IEnumerable<X509Certificate2> Signer(string address)
        {
            var choice = _senders.Value.Select(address);
            Explain(choice);
            _signerAddresses[choice.Chosen.Certificate.Thumbprint] = address;
            return new[] { choice.Chosen.Certificate };
        }

        /// <summary>The certificate to encrypt to the address.</summary>
        public IEnumerable<X509Certificate2> Recipient(string address)
        {
            CertificateChoice choice;
            try
            {
                choice = _recipients.Value.Resolve(address);
            }
            catch (SmimeException e) when (e.ErrorId == ErrorIds.NoMatchingCertificate && _command.Directory is { Length: > 0 })
            {
                // Stores first, then directories (DirectoryRecipientResolver says what each said when none has one).
                _command.WriteVerbose($"{e.Message} Asking the directories.");
                choice = new DirectoryRecipientResolver(_directories.Value).Resolve(address, e);
            }

            Explain(choice);
            return new[] { choice.Chosen.Certificate };
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

        /// <summary>
        /// For a signer found by address whose certificate cannot be encrypted to (Ed25519, or signing-only), the
        /// sender's encryption certificate from the same stores, so the sent copy stays readable; null otherwise.
        /// </summary>
        public X509Certificate2? OwnEncryptionCertificate(X509Certificate2 signer)
        {
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

        /// <summary>CA certificates of Cert:\CurrentUser\CA for the chain of a signer that came from a store.</summary>
        public IEnumerable<X509Certificate2> IssuersFor(X509Certificate2 signer)
        {
            if (!_signerAddresses.ContainsKey(signer.Thumbprint))
            {
                return Array.Empty<X509Certificate2>();
            }

            try
            {
                return new StoreCertificateSource(CertificateStorePath.Parse(@"Cert:\CurrentUser\CA")).Read().Select(e => e.Certificate).ToList();
            }
            catch (SmimeException e)
            {
                _command.WriteVerbose($"The intermediate CAs of Cert:\\CurrentUser\\CA are not at hand for the signer's chain: {e.Message}");
                return Array.Empty<X509Certificate2>();
            }
        }

        private void Explain(CertificateChoice choice)
        {
            foreach (var reason in choice.Reasons)
            {
                _command.WriteVerbose(reason);
            }
        }
    }
}
