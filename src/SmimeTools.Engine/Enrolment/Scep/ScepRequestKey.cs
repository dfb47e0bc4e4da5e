using System;
using System.IO;
using System.Linq;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Tokens;

namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>
    /// The private key that signs a SCEP message and decrypts the reply: the request's own key in a PKCS#8 file or on a
    /// token (PKCSReq, signed with a transient self-signed certificate for that key), or an existing identity (RenewalReq,
    /// signed with the current certificate). Nothing is opened until <see cref="ScepClient.Enrol"/> needs the key.
    /// </summary>
    public sealed class ScepRequestKey
    {
        private readonly Func<X509Certificate2, KeyReference>? _forCertificate;

        private ScepRequestKey(string description, Func<X509Certificate2, KeyReference>? forCertificate, KeyReference? identity, Func<TokenInfo, SecureString?>? askPin)
        {
            Description = description;
            _forCertificate = forCertificate;
            Identity = identity;
            AskPin = askPin;
        }

        /// <summary>What the key is, for messages: the file, the token URI or the identity's subject.</summary>
        public string Description { get; }

        /// <summary>The identity a renewal is signed with, or null for an initial enrolment.</summary>
        public KeyReference? Identity { get; }

        internal Func<TokenInfo, SecureString?>? AskPin { get; }

        /// <summary>A key in a PEM (or DER) PKCS#8 file, encrypted (PBES2) with <paramref name="password"/> or not.</summary>
        public static ScepRequestKey FromFile(string path, SecureString? password)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            return new ScepRequestKey($"the key file '{path}'", certificate =>
            {
                if (!File.Exists(path))
                {
                    throw new SmimeException(ErrorIds.UnreadableCertificateFile, SmimeErrorKind.ObjectNotFound,
                        $"The key file '{path}' does not exist.", "Give the PKCS#8 key file the request was made with.", path);
                }

                return CertificateFileReader.ReadKeyFor(certificate, path, password) ?? throw KeyMismatch($"the key file '{path}'");
            }, null, null);
        }

        /// <summary>
        /// A key on a PKCS#11 token, named by an RFC 7512 URI with its id (the KeyUri of New-SmimeCertificateRequest);
        /// the library is the URI's module-path or <paramref name="modulePath"/>.
        /// </summary>
        public static ScepRequestKey FromToken(string keyUri, string? modulePath, SecureString? pin, Func<TokenInfo, SecureString?>? askPin)
        {
            ArgumentException.ThrowIfNullOrEmpty(keyUri);
            var uri = Pkcs11Uri.Parse(keyUri);
            if (uri.Id == null)
            {
                throw new SmimeException(ErrorIds.InvalidPkcs11Uri, SmimeErrorKind.InvalidArgument,
                    $"The URI '{keyUri}' names no key id (the id= attribute).", "Give the KeyUri that New-SmimeCertificateRequest returned.", keyUri);
            }

            var library = uri.LibraryPath(modulePath);
            return new ScepRequestKey(keyUri, certificate =>
            {
                var tokens = TokenLibrary.Open(library).FindTokens(null, uri.Matches);
                if (tokens.Count > 1)
                {
                    throw new SmimeException(ErrorIds.TokenNotFound, SmimeErrorKind.InvalidArgument,
                        $"The URI '{keyUri}' matches {tokens.Count} tokens of {library}.", "Add token= or serial= to the URI.", keyUri);
                }

                return new TokenKeyReference(certificate, library, null, tokens[0].SerialNumber, tokens[0].Label, uri.Id, pin ?? uri.Pin());
            }, null, askPin);
        }

        /// <summary>An existing identity (its certificate and key), for a RenewalReq.</summary>
        public static ScepRequestKey FromIdentity(KeyReference identity, Func<TokenInfo, SecureString?>? askPin)
        {
            ArgumentNullException.ThrowIfNull(identity);
            return new ScepRequestKey($"the identity '{identity.Certificate.Subject}' ({identity.Certificate.Thumbprint})", null, identity, askPin);
        }

        /// <summary>Opens the key, joined to <paramref name="certificate"/> (the transient certificate for the request's public key).</summary>
        internal PrivateKey OpenFor(X509Certificate2 certificate) =>
            PrivateKeys.Open(Identity ?? _forCertificate!(certificate), AskPin);

        internal static SmimeException KeyMismatch(string what) =>
            new(ErrorIds.EnrolmentKeyMismatch, SmimeErrorKind.InvalidArgument,
                $"{char.ToUpperInvariant(what[0])}{what[1..]} does not hold the private key of the certificate request's public key.",
                "Give the key the request was made with (the same file, token key or identity).", what);

        public override string ToString() => Description;
    }
}
