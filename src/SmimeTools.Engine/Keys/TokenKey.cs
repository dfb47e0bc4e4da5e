using System;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.Policy;
using SmimeTools.Engine.Tokens;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A private key on a PKCS#11 token (smart card, USB token, HSM). It never leaves the token: the token signs the
    /// hash we compute, decrypts the wrapped content-encryption key, or derives the ECDH secret. All keys of one token
    /// share one session and one login for as long as any of them is open; when that session is busy (a parallel job),
    /// the key opens one more for the worker, as long as the token allows, so workers do not wait for each other.
    /// </summary>
    public sealed class TokenKey : PrivateKey
    {
        private readonly TokenSession _session;
        private readonly IObjectHandle _handle;
        private readonly object _poolGate = new();

        // Sessions of this key's own beyond the shared one: idle ones, and all of them (closed with the key).
        private readonly System.Collections.Generic.Stack<TokenSession> _idle = new();
        private readonly System.Collections.Generic.List<TokenSession> _own = new();
        private bool _noMoreSessions;
        private bool _disposed;

        private TokenKey(X509Certificate2 certificate, TokenKeyReference reference, TokenSession session, IObjectHandle handle)
            : base(certificate)
        {
            Reference = reference;
            _session = session;
            _handle = handle;
        }

        public override KeyLocation Location => KeyLocation.Token;

        /// <summary>A session does one operation at a time, but each worker gets a session of its own where the token allows.</summary>
        public override bool CanSignInParallel => true;

        /// <summary>How many sessions of its own the key opened for parallel work (besides the shared one).</summary>
        internal int OwnSessionCount
        {
            get
            {
                lock (_poolGate)
                {
                    return _own.Count;
                }
            }
        }

        public TokenKeyReference Reference { get; }

        /// <summary>The token the key is on.</summary>
        public TokenInfo Token => _session.Token;

        /// <summary>
        /// Opens the key: loads the library, finds the token by serial, logs in (with the PIN the reference carries, or
        /// the one <paramref name="askPin"/> returns) and finds the private key with the certificate's CKA_ID.
        /// </summary>
        internal static TokenKey Open(TokenKeyReference reference, Func<TokenInfo, SecureString?>? askPin = null)
        {
            ArgumentNullException.ThrowIfNull(reference);
            var certificate = reference.Certificate;
            var library = TokenLibrary.Open(reference.ModulePath, reference.InitArguments);
            var token = library.FindBySerial(reference.TokenSerial, reference.TokenLabel);
            var session = TokenSession.Acquire(library, token, readWrite: false);
            try
            {
                session.Login(reference.Pin, askPin);
                var handle = FindPrivateKey(session, reference.Id);
                if (handle == null && !session.IsLoggedIn)
                {
                    // Some tokens show no private object before a login even when they do not insist on one.
                    session.Login(reference.Pin, askPin, always: true);
                    handle = FindPrivateKey(session, reference.Id);
                }

                if (handle == null)
                {
                    throw new SmimeException(ErrorIds.TokenKeyNotFound, SmimeErrorKind.ObjectNotFound,
                        $"The {token} holds no private key with id {Convert.ToHexString(reference.Id)} for '{certificate.Subject}'.",
                        "The key may have been deleted; list the token's identities with Get-SmimeCertificate -Pkcs11Module ... -HasPrivateKey.", certificate);
                }

                return new TokenKey(certificate, reference, session, handle);
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        private static IObjectHandle? FindPrivateKey(TokenSession session, byte[] id) =>
            session.Find((CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), (CKA.CKA_ID, id)).FirstOrDefault();

        public override byte[] Sign(ReadOnlySpan<byte> data, DigestAlgorithm digest, SignatureAlgorithm algorithm)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (algorithm == SignatureAlgorithm.Default)
            {
                algorithm = DefaultSignatureAlgorithm;
            }

            if (!(algorithm is SignatureAlgorithm.RsaPkcs1 or SignatureAlgorithm.RsaPss && Algorithm == KeyAlgorithmKind.Rsa)
                && !(algorithm == SignatureAlgorithm.Ecdsa && Algorithm == KeyAlgorithmKind.Ec))
            {
                throw Unsupported($"sign with {algorithm} on a token");
            }

            return SignWith(_session, _handle, data, digest, algorithm, $"the key of '{Certificate.Subject}'", Certificate);
        }

        /// <summary>
        /// Signs on the token: the hash is computed here and the token signs it (CKM_RSA_PKCS over the DigestInfo,
        /// CKM_RSA_PKCS_PSS, CKM_ECDSA), so tokens without hash-and-sign mechanisms work and the data never goes there.
        /// </summary>
        internal static byte[] SignWith(TokenSession session, IObjectHandle handle, ReadOnlySpan<byte> data, DigestAlgorithm digest,
            SignatureAlgorithm algorithm, string whose, object target)
        {
            byte[] hash;
            using (var hasher = IncrementalHash.CreateHash(SoftwareKey.HashName(digest)))
            {
                hasher.AppendData(data);
                hash = hasher.GetHashAndReset();
            }

            var factories = session.Factories;
            switch (algorithm)
            {
                case SignatureAlgorithm.RsaPkcs1:
                    var digestInfo = new DigestInfo(new AlgorithmIdentifier(new DerObjectIdentifier(AlgorithmOids.Of(digest)), DerNull.Instance), hash).GetDerEncoded();
                    return Run(session, $"sign with {whose}", target, s => s.Sign(factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS), handle, digestInfo));
                case SignatureAlgorithm.RsaPss:
                    var pss = factories.MechanismParamsFactory.CreateCkRsaPkcsPssParams((ulong)HashMechanism(digest), (ulong)Mgf(digest), (ulong)hash.Length);
                    return Run(session, $"sign with RSA-PSS with {whose}", target, s => s.Sign(factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_PSS, pss), handle, hash));
                case SignatureAlgorithm.Ecdsa:
                    return EcdsaDer(Run(session, $"sign with ECDSA with {whose}", target, s => s.Sign(factories.MechanismFactory.Create(CKM.CKM_ECDSA), handle, hash)));
                default:
                    throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidArgument,
                        $"A token key cannot sign with {algorithm}.", "Use RsaPkcs1, RsaPss or Ecdsa.", target);
            }
        }

        public override byte[] DecryptKey(ReadOnlySpan<byte> encryptedKey, RSAEncryptionPadding padding)
        {
            if (Algorithm != KeyAlgorithmKind.Rsa)
            {
                throw Unsupported("decrypt by key transport");
            }

            var input = encryptedKey.ToArray();
            if (padding.Mode == RSAEncryptionPaddingMode.Pkcs1)
            {
                return Run("decrypt the message key", s => s.Decrypt(Mechanism(CKM.CKM_RSA_PKCS), _handle, input));
            }

            var digest = padding.OaepHashAlgorithm.Name switch
            {
                "SHA1" => DigestAlgorithm.Sha1,
                "SHA256" => DigestAlgorithm.Sha256,
                "SHA384" => DigestAlgorithm.Sha384,
                "SHA512" => DigestAlgorithm.Sha512,
                _ => throw Unsupported($"decrypt with RSA-OAEP and {padding.OaepHashAlgorithm.Name}"),
            };
            var oaep = _session.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams(
                (ulong)HashMechanism(digest), (ulong)Mgf(digest), (ulong)CKZ.CKZ_DATA_SPECIFIED, null);
            try
            {
                return Run("decrypt the message key with RSA-OAEP", s => s.Decrypt(_session.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_OAEP, oaep), _handle, input));
            }
            catch (SmimeException e) when (e.InnerException is Pkcs11Exception { RV: CKR.CKR_ARGUMENTS_BAD })
            {
                // SoftHSM2 and others do OAEP with SHA-1 only and say so with CKR_ARGUMENTS_BAD.
                throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidOperation,
                    $"The {_session.Token} cannot decrypt RSA-OAEP with {digest} for '{Certificate.Subject}' (it refused the parameters).",
                    "Ask the sender to encrypt with RSA PKCS#1 v1.5 or OAEP with SHA-1 to this token, or use a token that supports OAEP with SHA-2.", Certificate, e);
            }
        }

        public override byte[] Agree(ReadOnlySpan<byte> originatorPublicKeyInfo)
        {
            if (Algorithm != KeyAlgorithmKind.Ec)
            {
                throw Unsupported("agree a key");
            }

            byte[] point;
            int size;
            using (var originator = ECDiffieHellman.Create())
            {
                originator.ImportSubjectPublicKeyInfo(originatorPublicKeyInfo, out _);
                var q = originator.ExportParameters(false).Q;
                point = new byte[1 + q.X!.Length + q.Y!.Length];
                point[0] = 0x04;
                q.X.CopyTo(point, 1);
                q.Y.CopyTo(point, 1 + q.X.Length);
                size = q.X.Length;
            }

            var factories = _session.Factories;
            var parameters = factories.MechanismParamsFactory.CreateCkEcdh1DeriveParams((ulong)CKD.CKD_NULL, null, point);
            var mechanism = factories.MechanismFactory.Create(CKM.CKM_ECDH1_DERIVE, parameters);
            return Run("agree the message key (ECDH)", s =>
            {
                // The shared secret lives on the token only as a session object long enough to be read back.
                var template = new[]
                {
                    _session.Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
                    _session.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
                    _session.Attribute(CKA.CKA_TOKEN, false),
                    _session.Attribute(CKA.CKA_SENSITIVE, false),
                    _session.Attribute(CKA.CKA_EXTRACTABLE, true),
                    _session.Attribute(CKA.CKA_VALUE_LEN, (ulong)size),
                }.ToList();
                var secret = s.DeriveKey(mechanism, _handle, template);
                try
                {
                    return s.GetAttributeValue(secret, new System.Collections.Generic.List<CKA> { CKA.CKA_VALUE })[0].GetValueAsByteArray();
                }
                finally
                {
                    s.DestroyObject(secret);
                }
            });
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                lock (_poolGate)
                {
                    foreach (var own in _own)
                    {
                        own.Dispose();
                    }

                    _own.Clear();
                    _idle.Clear();
                }

                _session.Dispose();
            }
        }

        private IMechanism Mechanism(CKM type) => _session.Factories.MechanismFactory.Create(type);

        private T Run<T>(string what, Func<ISession, T> operation)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            what = $"{what} with the key of '{Certificate.Subject}'";
            // The shared session when it is free; else one of the key's own, opened when none is idle; else wait for the shared one.
            if (Monitor.TryEnter(_session.SyncRoot))
            {
                try
                {
                    return Run(_session, what, Certificate, operation);
                }
                finally
                {
                    Monitor.Exit(_session.SyncRoot);
                }
            }

            var own = TakeOwnSession();
            if (own == null)
            {
                return Run(_session, what, Certificate, operation);
            }

            try
            {
                return Run(own, what, Certificate, operation);
            }
            finally
            {
                lock (_poolGate)
                {
                    _idle.Push(own);
                }
            }
        }

        private TokenSession? TakeOwnSession()
        {
            lock (_poolGate)
            {
                if (_idle.Count > 0)
                {
                    return _idle.Pop();
                }

                // One per core is as many as can work at once; a token that refuses more is not asked again.
                if (_noMoreSessions || _own.Count >= Environment.ProcessorCount)
                {
                    return null;
                }

                var opened = TokenSession.OpenAnother(_session.Library, _session.Token, _session.ReadWrite);
                if (opened == null)
                {
                    _noMoreSessions = true;
                    return null;
                }

                _own.Add(opened);
                return opened;
            }
        }

        private static T Run<T>(TokenSession session, string what, object target, Func<ISession, T> operation)
        {
            lock (session.SyncRoot)
            {
                try
                {
                    return operation(session.Session);
                }
                catch (Pkcs11Exception e)
                {
                    throw TokenErrors.From(e, $"{what} on the {session.Token}", target);
                }
            }
        }

        private static CKM HashMechanism(DigestAlgorithm digest) => digest switch
        {
            DigestAlgorithm.Sha256 => CKM.CKM_SHA256,
            DigestAlgorithm.Sha384 => CKM.CKM_SHA384,
            DigestAlgorithm.Sha512 => CKM.CKM_SHA512,
            DigestAlgorithm.Sha1 => CKM.CKM_SHA_1,
            _ => throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidArgument,
                $"The digest {digest} cannot be used with RSA-PSS or RSA-OAEP on a token.", "Use SHA-256 (the default), SHA-384 or SHA-512."),
        };

        private static CKG Mgf(DigestAlgorithm digest) => digest switch
        {
            DigestAlgorithm.Sha256 => CKG.CKG_MGF1_SHA256,
            DigestAlgorithm.Sha384 => CKG.CKG_MGF1_SHA384,
            DigestAlgorithm.Sha512 => CKG.CKG_MGF1_SHA512,
            _ => CKG.CKG_MGF1_SHA1,
        };

        /// <summary>PKCS#11 returns ECDSA signatures as r || s; CMS carries Ecdsa-Sig-Value (a DER SEQUENCE of two INTEGERs).</summary>
        private static byte[] EcdsaDer(byte[] raw)
        {
            var half = raw.Length / 2;
            var r = new Org.BouncyCastle.Math.BigInteger(1, raw, 0, half);
            var s = new Org.BouncyCastle.Math.BigInteger(1, raw, half, half);
            return new DerSequence(new DerInteger(r), new DerInteger(s)).GetDerEncoded();
        }
    }
}
