using System;
using System.Runtime.CompilerServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>
    /// Where a certificate's private key sits on a token: the library, the token's serial and label, and the key's CKA_ID.
    /// It travels with the certificate object through the pipeline (like a file key does), so Protect and Unprotect
    /// find the key again; the key itself is opened only when it is used.
    /// </summary>
    public sealed class TokenKeyReference
    {
        private static readonly ConditionalWeakTable<X509Certificate2, TokenKeyReference> Attached = new();

        public TokenKeyReference(string modulePath, string? initArguments, string tokenSerial, string tokenLabel, byte[] id, SecureString? pin)
        {
            ModulePath = modulePath ?? throw new ArgumentNullException(nameof(modulePath));
            InitArguments = initArguments;
            TokenSerial = tokenSerial ?? throw new ArgumentNullException(nameof(tokenSerial));
            TokenLabel = tokenLabel ?? throw new ArgumentNullException(nameof(tokenLabel));
            Id = (byte[])(id ?? throw new ArgumentNullException(nameof(id))).Clone();
            Pin = pin;
        }

        public string ModulePath { get; }

        public string? InitArguments { get; }

        public string TokenSerial { get; }

        public string TokenLabel { get; }

        /// <summary>The CKA_ID the certificate and its private key share.</summary>
        public byte[] Id { get; }

        /// <summary>The PIN given when the certificate was found (-Pin, pin-value), or null to ask for it when the key is used.</summary>
        public SecureString? Pin { get; }

        public static void Attach(X509Certificate2 certificate, TokenKeyReference reference) => Attached.AddOrUpdate(certificate, reference);

        public static TokenKeyReference? Find(X509Certificate2 certificate) =>
            Attached.TryGetValue(certificate, out var reference) ? reference : null;

        public override string ToString() => $"key {Convert.ToHexString(Id)} on token '{TokenLabel}' (serial {TokenSerial}) of {ModulePath}";
    }
}
