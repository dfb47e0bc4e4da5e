using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Cms;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Puts addresses to the recipients of encrypted messages: a recipient names a certificate by issuer and serial
    /// number or by key identifier, and the certificates the user holds (their stores) say whose it is. The
    /// certificates are read once, on first need.
    /// </summary>
    public sealed class RecipientAddressBook
    {
        private readonly Func<IEnumerable<X509Certificate2>> _load;
        private List<X509Certificate2>? _known;

        /// <param name="load">Reads the certificates to look in; called once, when the first address is asked for.</param>
        public RecipientAddressBook(Func<IEnumerable<X509Certificate2>> load) => _load = load ?? throw new ArgumentNullException(nameof(load));

        /// <summary>The first address of the certificate the recipient names, or null when no known certificate is its.</summary>
        public string? AddressOf(EnvelopedRecipient recipient)
        {
            ArgumentNullException.ThrowIfNull(recipient);
            lock (_load)
            {
                // Read once, even when several messages ask at once.
                _known ??= _load().ToList();
            }

            foreach (var certificate in _known)
            {
                if (recipient.Names(certificate) && CertificateFacts.GetEmails(certificate).FirstOrDefault() is { } email)
                {
                    return email;
                }
            }

            return null;
        }
    }
}
