using System;
using System.Security;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A certificate's private key on a token: the library, the token's serial and label, and the key's CKA_ID. The key
    /// itself is opened (and the token logged in to) only when it is used.
    /// </summary>
    public sealed class TokenKeyReference : KeyReference
    {
        public TokenKeyReference(X509Certificate2 certificate, string modulePath, string? initArguments, string tokenSerial, string tokenLabel, byte[] id,
            SecureString? pin)
            : base(certificate)
        {
            ModulePath = modulePath ?? throw new ArgumentNullException(nameof(modulePath));
            InitArguments = initArguments;
            TokenSerial = tokenSerial ?? throw new ArgumentNullException(nameof(tokenSerial));
            TokenLabel = tokenLabel ?? throw new ArgumentNullException(nameof(tokenLabel));
            Id = (byte[])(id ?? throw new ArgumentNullException(nameof(id))).Clone();
            Pin = pin;
        }

        public override KeyLocation Location => KeyLocation.Token;

        public string ModulePath { get; }

        public string? InitArguments { get; }

        public string TokenSerial { get; }

        public string TokenLabel { get; }

        /// <summary>The CKA_ID the certificate and its private key share.</summary>
        public byte[] Id { get; }

        /// <summary>The PIN given when the certificate was found (-Pin, pin-value), or null to ask for it when the key is used.</summary>
        public SecureString? Pin { get; }

        public override string ToString() => $"key {Convert.ToHexString(Id)} on token '{TokenLabel}' (serial {TokenSerial}) of {ModulePath}";
    }
}
