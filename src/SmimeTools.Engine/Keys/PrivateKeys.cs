using System;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Tokens;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// The one place a certificate object is turned into its private key, wherever the key lives: a token key when the
    /// certificate was read from a token, else the key in memory or in a store.
    /// </summary>
    public static class PrivateKeys
    {
        /// <summary>True when the certificate object carries a key we can open (without opening it).</summary>
        public static bool HasKey(X509Certificate2 certificate) =>
            TokenKeyReference.Find(certificate) != null || SoftwareKey.HasKey(certificate);

        /// <summary>True when the certificate's key is on a PKCS#11 token.</summary>
        public static bool IsOnToken(X509Certificate2 certificate) => TokenKeyReference.Find(certificate) != null;

        /// <summary>
        /// Opens the key. A token key logs in with the PIN found with the certificate, else with what
        /// <paramref name="askPin"/> returns (the cmdlets prompt); a clear error when there is no key.
        /// </summary>
        public static PrivateKey Open(X509Certificate2 certificate, Func<TokenInfo, SecureString?>? askPin = null)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            var reference = TokenKeyReference.Find(certificate);
            return reference != null ? TokenKey.Open(certificate, reference, askPin) : SoftwareKey.Create(certificate);
        }

        /// <summary>
        /// A key to decrypt with: a software key at once, a token key opened (and logged in to) only when a message
        /// is addressed to it, so no PIN is asked for messages it cannot open.
        /// </summary>
        public static IKeyDecryptor Decryptor(X509Certificate2 certificate, Func<TokenInfo, SecureString?>? askPin = null)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            return IsOnToken(certificate)
                ? new DeferredKeyDecryptor(certificate, c => Open(c, askPin))
                : SoftwareKey.Create(certificate);
        }

        /// <summary>Where the key of a certificate object is, as far as the object shows.</summary>
        public static KeyLocation LocationOf(X509Certificate2 certificate) =>
            IsOnToken(certificate) ? KeyLocation.Token
            : PrivateKeyAttachment.Has(certificate) ? KeyLocation.File
            : certificate.HasPrivateKey ? KeyLocation.Store
            : KeyLocation.None;
    }
}
