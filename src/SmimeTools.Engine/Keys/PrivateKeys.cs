using System;
using System.Security;
using SmimeTools.Engine.Tokens;

namespace SmimeTools.Engine.Keys
{
    /// <summary>The one way from a <see cref="KeyReference"/> to its private key, wherever the key lives.</summary>
    public static class PrivateKeys
    {
        /// <summary>
        /// Opens the key. A token key logs in with the PIN found with the certificate, else with what
        /// <paramref name="askPin"/> returns (the cmdlets prompt); a clear error when the key cannot be had.
        /// </summary>
        public static PrivateKey Open(KeyReference reference, Func<TokenInfo, SecureString?>? askPin = null) => reference switch
        {
            null => throw new ArgumentNullException(nameof(reference)),
            TokenKeyReference token => TokenKey.Open(token, askPin),
            FileKeyReference file => SoftwareKey.Create(file.Certificate, file.Key),
            DotNetKeyReference held => SoftwareKey.Create(held.Certificate, null),
            _ => throw new ArgumentException($"{reference.GetType().Name} is not a kind of key this engine opens.", nameof(reference)),
        };

        /// <summary>
        /// True when <see cref="Open"/> gives a key this engine signs or decrypts with, judged by where the key is and its
        /// algorithm without opening it (no PIN, no token session): RSA and EC anywhere, Ed25519 and X25519 read from a
        /// file. False for none, and for keys held but not used here (DSA, Ed448, X448). Unlike .NET's
        /// <c>X509Certificate2.HasPrivateKey</c>, it is true for the file and token keys .NET does not hold.
        /// </summary>
        public static bool IsUsable(KeyReference? reference) => reference != null && KeyAlgorithms.Of(reference.Certificate) switch
        {
            KeyAlgorithmKind.Rsa or KeyAlgorithmKind.Ec => true,
            KeyAlgorithmKind.Ed25519 or KeyAlgorithmKind.X25519 => reference is FileKeyReference,
            _ => false,
        };

        /// <summary>
        /// A key to decrypt with: a software key at once, a token key opened (and logged in to) only when a message
        /// is addressed to it, so no PIN is asked for messages it cannot open.
        /// </summary>
        public static IKeyDecryptor Decryptor(KeyReference reference, Func<TokenInfo, SecureString?>? askPin = null)
        {
            ArgumentNullException.ThrowIfNull(reference);
            return reference is TokenKeyReference ? new DeferredKeyDecryptor(reference, askPin) : Open(reference, askPin);
        }
    }
}
