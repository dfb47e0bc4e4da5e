using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Net.Pkcs11Interop.Common;
using Pkcs11Uri = SmimeTools.Engine.Tokens.Pkcs11Uri;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Tokens;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// The certificates on PKCS#11 tokens. A certificate whose CKA_ID a private key shares is an identity with
    /// KeyLocation Token; the key stays on the token and is opened (with a login) only when it is used. Without a PIN
    /// the token is read without logging in: tokens hide private keys until then, so a public key with the same
    /// CKA_ID stands for the key.
    /// </summary>
    public sealed class Pkcs11CertificateSource : CertificateSource
    {
        private readonly SecureString? _pin;

        /// <param name="modulePath">The PKCS#11 library.</param>
        /// <param name="token">A token label or serial number; null for every token of the library.</param>
        /// <param name="pin">Logs in to read private objects, and is remembered for using the keys later.</param>
        /// <param name="uri">Further choices from a pkcs11: URI (token attributes, object id and label).</param>
        /// <param name="initArguments">A configuration string for C_Initialize (NSS softokn), or null.</param>
        public Pkcs11CertificateSource(string modulePath, string? token = null, SecureString? pin = null, Pkcs11Uri? uri = null, string? initArguments = null)
        {
            ModulePath = modulePath ?? throw new ArgumentNullException(nameof(modulePath));
            Token = token;
            Uri = uri;
            InitArguments = initArguments;
            _pin = pin ?? uri?.Pin();
        }

        /// <summary>A source for a pkcs11: URI; <paramref name="modulePath"/> is used when the URI names no library.</summary>
        public static Pkcs11CertificateSource FromUri(string uri, string? modulePath = null, SecureString? pin = null)
        {
            var parsed = Pkcs11Uri.Parse(uri);
            if (parsed.Type != null && parsed.Type != "cert" && parsed.Type != "private")
            {
                throw new SmimeException(ErrorIds.InvalidPkcs11Uri, SmimeErrorKind.InvalidArgument,
                    $"'{uri}' names {parsed.Type} objects; certificates are found by type=cert (or a private key's id).",
                    "Leave type out, or write type=cert.", uri);
            }

            return new Pkcs11CertificateSource(parsed.LibraryPath(modulePath), null, pin, parsed);
        }

        /// <summary>
        /// The certificates and keys of a Firefox or Thunderbird profile (or any NSS database folder), through NSS's softokn
        /// module: users sign with their Thunderbird identity. The profile is opened read-only.
        /// </summary>
        public static Pkcs11CertificateSource ForNssProfile(string profileFolder, string? softoknPath = null, SecureString? pin = null) =>
            new(NssSoftoken.Library(softoknPath), null, pin, null, NssSoftoken.InitArguments(profileFolder));

        public string ModulePath { get; }

        public string? Token { get; }

        public Pkcs11Uri? Uri { get; }

        public string? InitArguments { get; }

        /// <summary>Receives what is worth telling with -Verbose.</summary>
        public Action<string>? Note { get; set; }

        public override string Description => Uri?.Text ?? (Token == null ? $"the tokens of {ModulePath}" : $"token '{Token}' of {ModulePath}");

        public override IEnumerable<CertificateEntry> Read(Action<SmimeException>? problem = null)
        {
            var library = TokenLibrary.Open(ModulePath, InitArguments);
            var tokens = library.FindTokens(Token, Uri == null ? null : Uri.Matches);
            var entries = new List<CertificateEntry>();
            foreach (var token in tokens)
            {
                try
                {
                    entries.AddRange(ReadToken(library, token));
                }
                catch (SmimeException e) when (problem != null && tokens.Count > 1)
                {
                    // One token of several that cannot be read (a wrong PIN for it) does not hide the others.
                    problem(e);
                }
            }

            return entries;
        }

        private List<CertificateEntry> ReadToken(TokenLibrary library, TokenInfo token)
        {
            using var session = TokenSession.Acquire(library, token, readWrite: false);
            if (_pin != null)
            {
                session.Login(_pin, null, always: token.LoginRequired);
            }

            var loggedIn = session.IsLoggedIn;
            var certificates = new List<(X509Certificate2 Certificate, byte[] Id, string? Label)>();
            foreach (var handle in session.Find((CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), (CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509)))
            {
                var values = session.Read(handle, CKA.CKA_VALUE, CKA.CKA_ID, CKA.CKA_LABEL);
                if (values[0] == null || values[0]!.Length == 0)
                {
                    continue;
                }

                var id = values[1] ?? Array.Empty<byte>();
                var label = values[2] == null ? null : Encoding.UTF8.GetString(values[2]!).TrimEnd('\0');
                if ((Uri?.Id != null && !Uri.Id.AsSpan().SequenceEqual(id)) || (Uri?.Object != null && Uri.Object != label))
                {
                    continue;
                }

                try
                {
                    certificates.Add((Cms.DerCertificate.Load(values[0]!), id, label));
                }
                catch (CryptographicException e)
                {
                    Note?.Invoke($"Skipping a certificate object of the {token} that cannot be read: {e.Message}");
                }
            }

            var privateIds = Ids(session, CKO.CKO_PRIVATE_KEY);

            // Before a login a token that hides private keys shows only public ones; a public key beside the certificate stands for its key.
            var publicIds = !loggedIn && token.LoginRequired ? Ids(session, CKO.CKO_PUBLIC_KEY) : new HashSet<string>();
            Note?.Invoke($"The {token} holds {certificates.Count} certificate(s) and {privateIds.Count} private key(s) we can see{(loggedIn ? " (logged in)" : token.LoginRequired ? " without a login" : string.Empty)}.");

            var all = certificates.Select(c => c.Certificate).ToArray();
            var entries = new List<CertificateEntry>();
            foreach (var (certificate, id, label) in certificates)
            {
                var hex = Convert.ToHexString(id);
                var isIdentity = id.Length > 0 && (privateIds.Contains(hex) || publicIds.Contains(hex));
                if (isIdentity)
                {
                    ChainCollector.RememberCompanions(certificate, all.Where(c => !ReferenceEquals(c, certificate)).ToArray());
                }

                var key = isIdentity ? new TokenKeyReference(certificate, ModulePath, InitArguments, token.SerialNumber, token.Label, id, _pin) : null;
                entries.Add(new CertificateEntry(certificate, key, Pkcs11Uri.ForObject(token, id, label, "cert")));
            }

            return entries;
        }

        private static HashSet<string> Ids(TokenSession session, CKO objectClass)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var handle in session.Find((CKA.CKA_CLASS, objectClass)))
            {
                var id = session.Read(handle, CKA.CKA_ID)[0];
                if (id != null && id.Length > 0)
                {
                    ids.Add(Convert.ToHexString(id));
                }
            }

            return ids;
        }
    }
}
