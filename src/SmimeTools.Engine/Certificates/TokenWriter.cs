using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Engine.Tokens;
using Pkcs11Uri = SmimeTools.Engine.Tokens.Pkcs11Uri;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Writes to one token: PKCS#12 identities (the private key sensitive and never extractable, CKA_ID shared by key,
    /// public key and certificate), key pairs generated on the token with a PKCS#10 request, and the certificates
    /// issued for them. Opens one read-write session and logs in once, on first use.
    /// </summary>
    public sealed class TokenWriter : IDisposable
    {
        private readonly string _modulePath;
        private readonly string? _tokenSelector;
        private readonly SecureString? _pin;
        private readonly Func<TokenInfo, SecureString?>? _askPin;
        private readonly object _gate = new();
        private TokenSession? _session;
        private bool _disposed;

        public TokenWriter(string modulePath, string? token, SecureString? pin, Func<TokenInfo, SecureString?>? askPin = null)
        {
            _modulePath = modulePath ?? throw new ArgumentNullException(nameof(modulePath));
            _tokenSelector = token;
            _pin = pin;
            _askPin = askPin;
        }

        /// <summary>The token written to (after <see cref="Open"/>).</summary>
        public TokenInfo? Token => _session?.Token;

        /// <summary>Finds the token (exactly one), opens a read-write session and logs in.</summary>
        public void Open()
        {
            if (_session != null)
            {
                return;
            }

            var library = TokenLibrary.Open(_modulePath);
            var tokens = library.FindTokens(_tokenSelector);
            if (tokens.Count > 1)
            {
                throw new SmimeException(ErrorIds.AmbiguousCertificate, SmimeErrorKind.InvalidArgument,
                    $"{library.Path} has {tokens.Count} tokens ({string.Join(", ", tokens.Select(t => $"'{t.Label}'"))}); which one to write to?",
                    "Name the token with -Token (its label or serial number).", _modulePath);
            }

            var session = TokenSession.Acquire(library, tokens[0], readWrite: true);
            try
            {
                session.Login(_pin, _askPin, always: true);
            }
            catch
            {
                session.Dispose();
                throw;
            }

            lock (_gate)
            {
                if (!_disposed)
                {
                    _session = session;
                    return;
                }
            }

            // Disposed meanwhile (a stopped pipeline closes it from another thread): the session must not outlive it.
            session.Dispose();
            throw new ObjectDisposedException(nameof(TokenWriter));
        }

        /// <summary>Writes an identity read from a file: private key, public key, certificate, and the CA certificates that came with it.</summary>
        public IdentityRecord Write(CertificateEntry identity, string? label = null)
        {
            ArgumentNullException.ThrowIfNull(identity);
            Open();
            var session = _session!;
            var certificate = identity.Certificate;
            var key = (identity.Key as FileKeyReference)?.Key
                ?? throw new SmimeException(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidArgument,
                    $"'{certificate.Subject}' came without a private key that can be written to a token.",
                    "Read the identity from its PKCS#12 or PEM file.", certificate);
            var id = IdOf(certificate);
            label ??= LabelOf(certificate);
            if (session.Find((CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), (CKA.CKA_ID, id)).Count > 0)
            {
                throw new SmimeException(ErrorIds.DestinationExists, SmimeErrorKind.WriteError,
                    $"The {session.Token} already holds a private key with id {Convert.ToHexString(id)} ('{certificate.Subject}').",
                    "It is imported already; delete it with the token's own tools to import it again.", certificate);
            }

            var subject = certificate.SubjectName.RawData;
            var common = new List<(CKA, object)> { (CKA.CKA_TOKEN, true), (CKA.CKA_ID, id), (CKA.CKA_LABEL, label) };
            List<(CKA, object)> privateTemplate;
            List<(CKA, object)> publicTemplate;
            switch (key)
            {
                case RsaPrivateCrtKeyParameters rsa:
                    privateTemplate = new List<(CKA, object)>(common)
                    {
                        (CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), (CKA.CKA_KEY_TYPE, CKK.CKK_RSA), (CKA.CKA_SUBJECT, subject),
                        (CKA.CKA_MODULUS, rsa.Modulus.ToByteArrayUnsigned()), (CKA.CKA_PUBLIC_EXPONENT, rsa.PublicExponent.ToByteArrayUnsigned()),
                        (CKA.CKA_PRIVATE_EXPONENT, rsa.Exponent.ToByteArrayUnsigned()), (CKA.CKA_PRIME_1, rsa.P.ToByteArrayUnsigned()),
                        (CKA.CKA_PRIME_2, rsa.Q.ToByteArrayUnsigned()), (CKA.CKA_EXPONENT_1, rsa.DP.ToByteArrayUnsigned()),
                        (CKA.CKA_EXPONENT_2, rsa.DQ.ToByteArrayUnsigned()), (CKA.CKA_COEFFICIENT, rsa.QInv.ToByteArrayUnsigned()),
                    };
                    privateTemplate.AddRange(PrivateFlags(rsa: true));
                    publicTemplate = new List<(CKA, object)>(common)
                    {
                        (CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), (CKA.CKA_KEY_TYPE, CKK.CKK_RSA), (CKA.CKA_PRIVATE, false), (CKA.CKA_SUBJECT, subject),
                        (CKA.CKA_MODULUS, rsa.Modulus.ToByteArrayUnsigned()), (CKA.CKA_PUBLIC_EXPONENT, rsa.PublicExponent.ToByteArrayUnsigned()),
                        (CKA.CKA_VERIFY, true), (CKA.CKA_ENCRYPT, true),
                    };
                    break;
                case ECPrivateKeyParameters ec:
                    var curve = certificate.PublicKey.EncodedParameters.RawData;
                    var size = (KeyAlgorithms.SizeOf(certificate) + 7) / 8;
                    privateTemplate = new List<(CKA, object)>(common)
                    {
                        (CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), (CKA.CKA_KEY_TYPE, CKK.CKK_EC), (CKA.CKA_SUBJECT, subject),
                        (CKA.CKA_EC_PARAMS, curve), (CKA.CKA_VALUE, ec.D.ToByteArrayUnsigned().Length >= size ? ec.D.ToByteArrayUnsigned() : Pad(ec.D.ToByteArrayUnsigned(), size)),
                    };
                    privateTemplate.AddRange(PrivateFlags(rsa: false));
                    publicTemplate = new List<(CKA, object)>(common)
                    {
                        (CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), (CKA.CKA_KEY_TYPE, CKK.CKK_EC), (CKA.CKA_PRIVATE, false), (CKA.CKA_SUBJECT, subject),
                        (CKA.CKA_EC_PARAMS, curve), (CKA.CKA_EC_POINT, new DerOctetString(certificate.PublicKey.EncodedKeyValue.RawData).GetDerEncoded()),
                        (CKA.CKA_VERIFY, true),
                    };
                    break;
                default:
                    throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                        $"The {KeyAlgorithms.Of(certificate)} key of '{certificate.Subject}' cannot be written to a token here; RSA and EC keys can.",
                        "Keep Ed25519 and X25519 identities in PKCS#12 files or stores.", certificate);
            }

            var created = new List<IObjectHandle>();
            try
            {
                created.Add(Create(privateTemplate, $"write the private key of '{certificate.Subject}'", certificate));
                created.Add(Create(publicTemplate, $"write the public key of '{certificate.Subject}'", certificate));
                created.Add(WriteCertificate(certificate, id, label));
            }
            catch
            {
                Destroy(created);
                throw;
            }

            foreach (var authority in ChainCollector.Companions(certificate).Where(ChainCollector.IsCertificateAuthority))
            {
                if (FindCertificate(authority) == null)
                {
                    WriteCertificate(authority, IdOf(authority), LabelOf(authority));
                }
            }

            return Record(certificate, identity.Source, replaced: false, id);
        }

        /// <summary>
        /// Generates a key pair on the token, the private key sensitive and never extractable, under the CKA_ID of its
        /// public key; the request for it is built by the caller and signed through <see cref="SigningKey"/>.
        /// </summary>
        public TokenKeyPair GenerateKeyPair(TokenKeyType type, X500DistinguishedName subject, string label)
        {
            ArgumentNullException.ThrowIfNull(subject);
            ArgumentNullException.ThrowIfNull(label);
            Open();
            var session = _session!;
            var temporaryId = RandomNumberGenerator.GetBytes(20);
            var isRsa = type is TokenKeyType.Rsa2048 or TokenKeyType.Rsa3072 or TokenKeyType.Rsa4096;
            var publicTemplate = new List<(CKA, object)> { (CKA.CKA_TOKEN, true), (CKA.CKA_PRIVATE, false), (CKA.CKA_ID, temporaryId), (CKA.CKA_LABEL, label), (CKA.CKA_VERIFY, true) };
            var privateTemplate = new List<(CKA, object)> { (CKA.CKA_TOKEN, true), (CKA.CKA_ID, temporaryId), (CKA.CKA_LABEL, label), (CKA.CKA_SUBJECT, subject.RawData) };
            privateTemplate.AddRange(PrivateFlags(isRsa));
            CKM mechanism;
            if (isRsa)
            {
                mechanism = CKM.CKM_RSA_PKCS_KEY_PAIR_GEN;
                publicTemplate.Add((CKA.CKA_MODULUS_BITS, (ulong)(type == TokenKeyType.Rsa2048 ? 2048 : type == TokenKeyType.Rsa3072 ? 3072 : 4096)));
                publicTemplate.Add((CKA.CKA_PUBLIC_EXPONENT, new byte[] { 1, 0, 1 }));
                publicTemplate.Add((CKA.CKA_ENCRYPT, true));
            }
            else
            {
                mechanism = CKM.CKM_EC_KEY_PAIR_GEN;
                var curve = type == TokenKeyType.P256 ? "1.2.840.10045.3.1.7" : "1.3.132.0.34";
                publicTemplate.Add((CKA.CKA_EC_PARAMS, new DerObjectIdentifier(curve).GetDerEncoded()));
            }

            IObjectHandle publicKey, privateKey;
            lock (session.SyncRoot)
            {
                try
                {
                    session.Session.GenerateKeyPair(session.Factories.MechanismFactory.Create(mechanism),
                        publicTemplate.Select(a => session.Attribute(a.Item1, a.Item2)).ToList(),
                        privateTemplate.Select(a => session.Attribute(a.Item1, a.Item2)).ToList(), out publicKey, out privateKey);
                }
                catch (Pkcs11Exception e)
                {
                    throw TokenErrors.From(e, $"generate a {type} key pair", session.Token.Label);
                }
            }

            try
            {
                var spki = PublicKeyInfo(session, publicKey, isRsa, type);
                var id = Sha1(spki.PublicKey.GetBytes());
                lock (session.SyncRoot)
                {
                    var newId = new List<IObjectAttribute> { session.Attribute(CKA.CKA_ID, id) };
                    session.Session.SetAttributeValue(publicKey, newId);
                    session.Session.SetAttributeValue(privateKey, newId);
                }

                return new TokenKeyPair(id, spki.GetDerEncoded(), Pkcs11Uri.ForObject(session.Token, id, label, "private"), session.Token, publicKey, privateKey);
            }
            catch (Pkcs11Exception e)
            {
                Destroy(new List<IObjectHandle> { privateKey, publicKey });
                throw TokenErrors.From(e, "finish the key pair", session.Token.Label);
            }
        }

        /// <summary>The new key pair's private key to sign with; <paramref name="standIn"/> carries its public key until a certificate is issued.</summary>
        public PrivateKey SigningKey(TokenKeyPair pair, X509Certificate2 standIn)
        {
            ArgumentNullException.ThrowIfNull(pair);
            ArgumentNullException.ThrowIfNull(standIn);
            Open();
            var token = _session!.Token;
            return PrivateKeys.Open(new TokenKeyReference(standIn, _modulePath, null, token.SerialNumber, token.Label, pair.Id, _pin), _askPin);
        }

        /// <summary>Takes a key pair off the token again (a key pair without its request is of no use to anyone).</summary>
        public void DestroyKeyPair(TokenKeyPair pair)
        {
            ArgumentNullException.ThrowIfNull(pair);
            Open();
            Destroy(new List<IObjectHandle> { pair.PrivateHandle, pair.PublicHandle });
        }

        /// <summary>
        /// Stores an issued certificate beside its key, under the key's CKA_ID; TokenKeyNotFound when the token holds
        /// no key pair for the certificate's public key. A certificate already there is left as it is (Replaced true).
        /// </summary>
        public IdentityRecord StoreCertificate(X509Certificate2 certificate, string source, string? label = null)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            Open();
            var session = _session!;
            var id = KeyIdFor(certificate)
                ?? throw new SmimeException(ErrorIds.TokenKeyNotFound, SmimeErrorKind.ObjectNotFound,
                    $"The {session.Token} holds no key pair for the public key of '{certificate.Subject}' ({certificate.Thumbprint}).",
                    "Store a certificate on the token where its key was generated (New-SmimeCertificateRequest), or import the PKCS#12 identity instead.", certificate);
            if (FindCertificate(certificate) != null)
            {
                return Record(certificate, source, replaced: true, id);
            }

            WriteCertificate(certificate, id, label ?? LabelOf(certificate));
            return Record(certificate, source, replaced: false, id);
        }

        /// <summary>Closes the session; may be called again, and from another thread than the one writing.</summary>
        public void Dispose()
        {
            TokenSession? session;
            lock (_gate)
            {
                _disposed = true;
                session = _session;
                _session = null;
            }

            session?.Dispose();
        }

        /// <summary>CKA_ID as the SHA-1 of the public key bits (how RFC 5280 §4.2.1.2 method 1 derives a key identifier).</summary>
        internal static byte[] IdOf(X509Certificate2 certificate) => Sha1(certificate.PublicKey.EncodedKeyValue.RawData);

        private static byte[] Sha1(byte[] data) => SHA1.HashData(data);

        private static string LabelOf(X509Certificate2 certificate)
        {
            var name = certificate.GetNameInfo(X509NameType.SimpleName, false);
            return string.IsNullOrEmpty(name) ? certificate.Thumbprint : name;
        }

        private static IEnumerable<(CKA, object)> PrivateFlags(bool rsa)
        {
            yield return (CKA.CKA_PRIVATE, true);
            yield return (CKA.CKA_SENSITIVE, true);
            yield return (CKA.CKA_EXTRACTABLE, false);
            yield return (CKA.CKA_SIGN, true);
            if (rsa)
            {
                yield return (CKA.CKA_DECRYPT, true);
            }
            else
            {
                yield return (CKA.CKA_DERIVE, true);
            }
        }

        private static byte[] Pad(byte[] value, int size)
        {
            var padded = new byte[size];
            value.CopyTo(padded, size - value.Length);
            return padded;
        }

        private byte[]? KeyIdFor(X509Certificate2 certificate)
        {
            var session = _session!;
            var derived = IdOf(certificate);
            if (session.Find((CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), (CKA.CKA_ID, derived)).Count > 0)
            {
                return derived;
            }

            // A key pair made elsewhere has its own id: find it by the public key itself.
            var isRsa = KeyAlgorithms.Of(certificate) == KeyAlgorithmKind.Rsa;
            var template = isRsa
                ? new[] { (CKA.CKA_CLASS, (object)CKO.CKO_PUBLIC_KEY), (CKA.CKA_MODULUS, (object)ModulusOf(certificate)) }
                : new[] { (CKA.CKA_CLASS, (object)CKO.CKO_PUBLIC_KEY), (CKA.CKA_EC_POINT, (object)new DerOctetString(certificate.PublicKey.EncodedKeyValue.RawData).GetDerEncoded()) };
            foreach (var handle in session.Find(template))
            {
                var id = session.Read(handle, CKA.CKA_ID)[0];
                if (id != null && id.Length > 0 && session.Find((CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), (CKA.CKA_ID, id)).Count > 0)
                {
                    return id;
                }
            }

            return null;
        }

        private static byte[] ModulusOf(X509Certificate2 certificate)
        {
            using var rsa = certificate.GetRSAPublicKey()!;
            return rsa.ExportParameters(false).Modulus!;
        }

        private IObjectHandle? FindCertificate(X509Certificate2 certificate) =>
            _session!.Find((CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), (CKA.CKA_VALUE, certificate.RawData)).FirstOrDefault();

        private IObjectHandle WriteCertificate(X509Certificate2 certificate, byte[] id, string label)
        {
            var serial = new DerInteger(new Org.BouncyCastle.Math.BigInteger(certificate.SerialNumberBytes.ToArray())).GetDerEncoded();
            return Create(new List<(CKA, object)>
            {
                (CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), (CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509), (CKA.CKA_TOKEN, true), (CKA.CKA_PRIVATE, false),
                (CKA.CKA_ID, id), (CKA.CKA_LABEL, label), (CKA.CKA_SUBJECT, certificate.SubjectName.RawData),
                (CKA.CKA_ISSUER, certificate.IssuerName.RawData), (CKA.CKA_SERIAL_NUMBER, serial), (CKA.CKA_VALUE, certificate.RawData),
            }, $"write the certificate '{certificate.Subject}'", certificate);
        }

        private IObjectHandle Create(List<(CKA, object)> template, string what, object target)
        {
            var session = _session!;
            lock (session.SyncRoot)
            {
                try
                {
                    return session.Session.CreateObject(template.Select(a => session.Attribute(a.Item1, a.Item2)).ToList());
                }
                catch (Pkcs11Exception e)
                {
                    throw TokenErrors.From(e, what, target);
                }
            }
        }

        private void Destroy(List<IObjectHandle> handles)
        {
            var session = _session!;
            lock (session.SyncRoot)
            {
                foreach (var handle in handles)
                {
                    try
                    {
                        session.Session.DestroyObject(handle);
                    }
                    catch (Pkcs11Exception)
                    {
                        // Best effort: the first failure is the one reported.
                    }
                }
            }
        }

        private static SubjectPublicKeyInfo PublicKeyInfo(TokenSession session, IObjectHandle publicKey, bool isRsa, TokenKeyType type)
        {
            if (isRsa)
            {
                var values = session.Read(publicKey, CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT);
                var rsa = new RsaPublicKeyStructure(new Org.BouncyCastle.Math.BigInteger(1, values[0]!), new Org.BouncyCastle.Math.BigInteger(1, values[1]!));
                return new SubjectPublicKeyInfo(new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance), rsa);
            }

            var point = session.Read(publicKey, CKA.CKA_EC_POINT)[0]!;

            // CKA_EC_POINT is a DER OCTET STRING around the point; some tokens give the bare point.
            var wrapped = point.Length > 2 && point[0] == 0x04 && (point[1] == point.Length - 2 || (point[1] == 0x81 && point.Length > 3 && point[2] == point.Length - 3));
            var raw = wrapped ? Asn1OctetString.GetInstance(point).GetOctets() : point;
            var curve = new DerObjectIdentifier(type == TokenKeyType.P256 ? "1.2.840.10045.3.1.7" : "1.3.132.0.34");
            return new SubjectPublicKeyInfo(new AlgorithmIdentifier(Org.BouncyCastle.Asn1.X9.X9ObjectIdentifiers.IdECPublicKey, curve), raw);
        }

        private IdentityRecord Record(X509Certificate2 certificate, string source, bool replaced, byte[] id) =>
            new(certificate, "Import", "Token", source, Pkcs11Uri.ForObject(_session!.Token, id, LabelOf(certificate), "cert"), null,
                hasPrivateKey: true, exportable: false, replaced: replaced);
    }
}
