using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>
    /// One session on one token, shared (reference-counted) by everything that uses the token at the same time: all keys
    /// of a token in one pipeline work through one session and one login. PKCS#11 sessions do one operation at a
    /// time, so callers hold <see cref="SyncRoot"/> around each; the workers of a parallel job get sessions of their own
    /// (<see cref="OpenAnother"/>) as far as the token allows.
    /// </summary>
    internal sealed class TokenSession : IDisposable
    {
        private static readonly object Gate = new();
        private static readonly Dictionary<(TokenLibrary, ulong, bool), TokenSession> Shared = new();

        private readonly TokenLibrary _library;
        private readonly (TokenLibrary, ulong, bool) _key;
        private ISession? _session;
        private int _references;

        private TokenSession(TokenLibrary library, TokenInfo token, bool readWrite, ISession session)
        {
            _library = library;
            Token = token;
            ReadWrite = readWrite;
            _session = session;
            _key = (library, token.SlotId, readWrite);
        }

        public TokenInfo Token { get; }

        public bool ReadWrite { get; }

        public TokenLibrary Library => _library;

        public Pkcs11InteropFactories Factories => _library.Factories;

        public object SyncRoot { get; } = new();

        public ISession Session => _session ?? throw new SmimeException(ErrorIds.TokenOperationFailed, SmimeErrorKind.InvalidOperation,
            $"The session on the {Token} was closed (the module was removed or the library finalised).", "Run the command again.", Token.Label);

        /// <summary>A session on the token, the one already open when there is one.</summary>
        public static TokenSession Acquire(TokenLibrary library, TokenInfo token, bool readWrite)
        {
            lock (Gate)
            {
                if (Shared.TryGetValue((library, token.SlotId, readWrite), out var open) && open._session != null)
                {
                    open._references++;
                    return open;
                }

                var created = OpenNew(library, token, readWrite);
                Shared[created._key] = created;
                return created;
            }
        }

        /// <summary>
        /// Another session on the token, for one more worker of a parallel job: it shares the token's login (PKCS#11 logs an
        /// application in, not a session) and its object handles. Null when the token allows no more sessions.
        /// </summary>
        public static TokenSession? OpenAnother(TokenLibrary library, TokenInfo token, bool readWrite)
        {
            try
            {
                return OpenNew(library, token, readWrite);
            }
            catch (SmimeException e) when (e.InnerException is Pkcs11Exception { RV: CKR.CKR_SESSION_COUNT })
            {
                return null;
            }
        }

        private static TokenSession OpenNew(TokenLibrary library, TokenInfo token, bool readWrite)
        {
            ISession session;
            try
            {
                lock (library.SyncRoot)
                {
                    session = library.SlotOf(token).OpenSession(readWrite ? SessionType.ReadWrite : SessionType.ReadOnly);
                }
            }
            catch (Pkcs11Exception e)
            {
                throw TokenErrors.From(e, $"open a session on the {token}", token.Label);
            }

            var created = new TokenSession(library, token, readWrite, session) { _references = 1 };
            library.Track(created);
            return created;
        }

        public bool IsLoggedIn
        {
            get
            {
                lock (SyncRoot)
                {
                    try
                    {
                        var state = Session.GetSessionInfo().State;
                        return state is CKS.CKS_RO_USER_FUNCTIONS or CKS.CKS_RW_USER_FUNCTIONS;
                    }
                    catch (Pkcs11Exception e)
                    {
                        throw TokenErrors.From(e, $"read the session state of the {Token}", Token.Label);
                    }
                }
            }
        }

        /// <summary>
        /// Logs the user in unless the session is already logged in or the token needs no login (and
        /// <paramref name="always"/> is false). The PIN is <paramref name="pin"/>, else what <paramref name="askPin"/>
        /// returns; a reader with its own keypad is asked for none.
        /// </summary>
        public void Login(SecureString? pin, Func<TokenInfo, SecureString?>? askPin, bool always = false)
        {
            if ((!Token.LoginRequired && !always) || IsLoggedIn)
            {
                return;
            }

            if (Token.PinLocked)
            {
                throw new SmimeException(ErrorIds.TokenLocked, SmimeErrorKind.SecurityError,
                    $"The user PIN of the {Token} is locked after too many wrong tries.",
                    "Have the token's security officer unlock it (reset the user PIN with the SO PIN).", Token.Label);
            }

            byte[]? bytes = null;
            if (pin == null && !Token.ProtectedAuthenticationPath)
            {
                pin = askPin?.Invoke(Token);
                if (pin == null)
                {
                    throw new SmimeException(ErrorIds.TokenPinRequired, SmimeErrorKind.AuthenticationError,
                        $"The {Token} needs its PIN, and none was given.",
                        "Give the PIN with -Pin (Read-Host -AsSecureString), or run the command interactively to be asked for it.", Token.Label);
                }
            }

            try
            {
                bytes = pin == null ? null : TokenPin.ToUtf8(pin);
                lock (SyncRoot)
                {
                    Session.Login(CKU.CKU_USER, bytes);
                }
            }
            catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
            {
                // Another session of this process logged in to the token: the login is the token's, not the session's.
            }
            catch (Pkcs11Exception e)
            {
                var error = TokenErrors.From(e, $"log in to the {Token}", Token.Label);
                if (error.ErrorId == ErrorIds.TokenLoginFailed && Token.PinFinalTry)
                {
                    error = new SmimeException(error.ErrorId, error.Kind, error.Message, "One more wrong PIN locks the token: check it before trying again.", error.Target, e);
                }

                throw error;
            }
            finally
            {
                if (bytes != null)
                {
                    Array.Clear(bytes);
                }
            }
        }

        /// <summary>The handles of the objects that match the attributes.</summary>
        public List<IObjectHandle> Find(params (CKA Type, object Value)[] attributes)
        {
            var template = attributes.Select(a => Attribute(a.Type, a.Value)).ToList();
            lock (SyncRoot)
            {
                try
                {
                    return Session.FindAllObjects(template);
                }
                catch (Pkcs11Exception e)
                {
                    throw TokenErrors.From(e, $"search the {Token}", Token.Label);
                }
            }
        }

        /// <summary>Byte-array attributes of an object; an attribute the object does not have reads as null.</summary>
        public byte[]?[] Read(IObjectHandle handle, params CKA[] types)
        {
            lock (SyncRoot)
            {
                try
                {
                    var values = Session.GetAttributeValue(handle, types.ToList());
                    return values.Select(v => v.CannotBeRead ? null : v.GetValueAsByteArray()).ToArray();
                }
                catch (Pkcs11Exception e)
                {
                    throw TokenErrors.From(e, $"read an object of the {Token}", Token.Label);
                }
            }
        }

        public IObjectAttribute Attribute(CKA type, object value) => value switch
        {
            CKO o => Factories.ObjectAttributeFactory.Create(type, o),
            CKK k => Factories.ObjectAttributeFactory.Create(type, k),
            CKC c => Factories.ObjectAttributeFactory.Create(type, c),
            bool b => Factories.ObjectAttributeFactory.Create(type, b),
            byte[] bytes => Factories.ObjectAttributeFactory.Create(type, bytes),
            string text => Factories.ObjectAttributeFactory.Create(type, text),
            ulong number => Factories.ObjectAttributeFactory.Create(type, number),
            int number => Factories.ObjectAttributeFactory.Create(type, (ulong)number),
            _ => throw new ArgumentException($"No PKCS#11 attribute of type {value.GetType().Name}.", nameof(value)),
        };

        public void Dispose()
        {
            lock (Gate)
            {
                if (--_references > 0)
                {
                    return;
                }

                Forget();
            }

            CloseNow();
        }

        /// <summary>Takes the session off the shared ones, when it is the one shared (not a worker's own).</summary>
        private void Forget()
        {
            if (Shared.TryGetValue(_key, out var shared) && ReferenceEquals(shared, this))
            {
                Shared.Remove(_key);
            }
        }

        /// <summary>Closes the session whoever still holds it (module removal, library finalisation).</summary>
        internal void CloseNow()
        {
            lock (Gate)
            {
                Forget();
            }

            lock (SyncRoot)
            {
                var session = _session;
                _session = null;
                if (session == null)
                {
                    return;
                }

                _library.Untrack(this);
                try
                {
                    if (_library.OpenSessionCount == 0)
                    {
                        try
                        {
                            session.Logout();
                        }
                        catch (Pkcs11Exception)
                        {
                            // Not logged in: nothing to undo.
                        }
                    }

                    session.CloseSession();
                }
                catch (Pkcs11Exception)
                {
                    // A token pulled out closes its sessions by itself.
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }
    }
}
