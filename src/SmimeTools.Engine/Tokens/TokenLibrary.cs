using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>
    /// A PKCS#11 library, loaded and initialised once per process and path, and finalised when the module is removed
    /// (<see cref="FinaliseAll"/>). Every session the engine opens on its tokens is tracked here so it can be closed first.
    /// </summary>
    public sealed class TokenLibrary
    {
        private static readonly object Gate = new();
        private static readonly Dictionary<string, TokenLibrary> Loaded = new(StringComparer.Ordinal);

        private readonly List<TokenSession> _sessions = new();
        private IPkcs11Library? _library;
        private IDisposable? _initialiser;

        private TokenLibrary(string path, string? initArguments, IPkcs11Library library, IDisposable? initialiser, Pkcs11InteropFactories factories)
        {
            Path = path;
            InitArguments = initArguments;
            _library = library;
            _initialiser = initialiser;
            Factories = factories;
        }

        /// <summary>The library path as given (a full path, or a name the system loader finds).</summary>
        public string Path { get; }

        /// <summary>The string passed in CK_C_INITIALIZE_ARGS.pReserved (NSS softokn's configuration), or null.</summary>
        public string? InitArguments { get; }

        internal Pkcs11InteropFactories Factories { get; }

        internal object SyncRoot { get; } = new();

        internal IPkcs11Library Library => _library ?? throw new ObjectDisposedException(nameof(TokenLibrary), $"The PKCS#11 library {Path} was finalised.");

        /// <summary>True while any library is loaded (for tests and the module's clean-up).</summary>
        public static bool AnyLoaded
        {
            get
            {
                lock (Gate)
                {
                    return Loaded.Count > 0;
                }
            }
        }

        /// <summary>How many sessions this process has open on the tokens of every loaded library (for tests: a stopped pipeline leaves none).</summary>
        public static int OpenSessions
        {
            get
            {
                lock (Gate)
                {
                    return Loaded.Values.Sum(l => l.OpenSessionCount);
                }
            }
        }

        /// <summary>
        /// The library at <paramref name="path"/>, loaded and initialised on first use. A missing file, a file that is no
        /// PKCS#11 library and a library that refuses to start are distinct errors.
        /// </summary>
        public static TokenLibrary Open(string path, string? initArguments = null)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new SmimeException(ErrorIds.Pkcs11ModuleNotFound, SmimeErrorKind.InvalidArgument,
                    "No PKCS#11 library was named.", "Give the path of the token's PKCS#11 library, for example -Pkcs11Module /usr/lib/softhsm/libsofthsm2.so.");
            }

            var key = System.IO.Path.IsPathRooted(path) ? System.IO.Path.GetFullPath(path) : path;
            lock (Gate)
            {
                if (Loaded.TryGetValue(key, out var loaded))
                {
                    if (string.Equals(loaded.InitArguments, initArguments, StringComparison.Ordinal))
                    {
                        return loaded;
                    }

                    if (loaded.OpenSessionCount > 0)
                    {
                        throw new SmimeException(ErrorIds.Pkcs11ModuleFailed, SmimeErrorKind.ResourceUnavailable,
                            $"The PKCS#11 library {path} is in use with another configuration.",
                            "Finish the commands using it first; a library such as NSS softokn runs one configuration per process.", path);
                    }

                    loaded.FinaliseLocked();
                    Loaded.Remove(key);
                }

                var library = Load(key, initArguments);
                Loaded[key] = library;
                return library;
            }
        }

        /// <summary>Closes every session and finalises every loaded library; the next use loads them again.</summary>
        public static void FinaliseAll()
        {
            lock (Gate)
            {
                foreach (var library in Loaded.Values)
                {
                    library.FinaliseLocked();
                }

                Loaded.Clear();
            }
        }

        /// <summary>The tokens present in the library's slots.</summary>
        public IReadOnlyList<TokenInfo> Tokens()
        {
            lock (SyncRoot)
            {
                try
                {
                    var result = new List<TokenInfo>();
                    foreach (var slot in Library.GetSlotList(SlotsType.WithTokenPresent))
                    {
                        ITokenInfo info;
                        try
                        {
                            info = slot.GetTokenInfo();
                        }
                        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_TOKEN_NOT_RECOGNIZED or CKR.CKR_DEVICE_REMOVED)
                        {
                            continue;
                        }

                        if (!info.TokenFlags.TokenInitialized)
                        {
                            continue;
                        }

                        result.Add(new TokenInfo(Path, slot.SlotId, info.Label.Trim(), info.SerialNumber.Trim(), info.ManufacturerId.Trim(), info.Model.Trim(),
                            info.TokenFlags.LoginRequired, info.TokenFlags.ProtectedAuthenticationPath, info.TokenFlags.UserPinLocked, info.TokenFlags.UserPinFinalTry));
                    }

                    return result;
                }
                catch (Pkcs11Exception e)
                {
                    throw TokenErrors.From(e, $"list the tokens of {Path}", Path);
                }
            }
        }

        /// <summary>
        /// The tokens named by <paramref name="selector"/> (label or serial number), or every token when it is null;
        /// TokenNotFound when none is present or none has that name.
        /// </summary>
        public IReadOnlyList<TokenInfo> FindTokens(string? selector, Func<TokenInfo, bool>? filter = null)
        {
            var present = Tokens();
            var chosen = present.Where(t => (selector == null || t.IsNamed(selector)) && (filter == null || filter(t))).ToList();
            if (chosen.Count > 0)
            {
                return chosen;
            }

            var names = present.Count == 0 ? "no token is present" : "present: " + string.Join(", ", present.Select(t => $"'{t.Label}' (serial {t.SerialNumber})"));
            throw new SmimeException(ErrorIds.TokenNotFound, SmimeErrorKind.ObjectNotFound,
                selector == null && filter == null
                    ? $"No token is present in {Path}."
                    : $"No token {(selector == null ? "matching the URI" : $"labelled or numbered '{selector}'")} is present in {Path} ({names}).",
                "Insert the token (or initialise it), and check -Token: it takes the token's label or serial number.", selector ?? Path);
        }

        /// <summary>The token with this serial number (how keys remember their token), or TokenNotFound.</summary>
        public TokenInfo FindBySerial(string serialNumber, string label)
        {
            // Serials are unique on real tokens; NSS softokn gives all its tokens the same one, so the label decides there.
            var bySerial = Tokens().Where(t => string.Equals(t.SerialNumber, serialNumber, StringComparison.OrdinalIgnoreCase)).ToList();
            return bySerial.FirstOrDefault(t => string.Equals(t.Label, label, StringComparison.Ordinal))
                ?? (bySerial.Count == 1 ? bySerial[0] : null)
                ?? throw new SmimeException(ErrorIds.TokenNotFound, SmimeErrorKind.ObjectNotFound,
                $"The token '{label}' (serial {serialNumber}) is not present in {Path}.", "Insert the token and try again.", label);
        }

        internal ISlot SlotOf(TokenInfo token) =>
            Library.GetSlotList(SlotsType.WithTokenPresent).FirstOrDefault(s => s.SlotId == token.SlotId)
            ?? throw new SmimeException(ErrorIds.TokenNotFound, SmimeErrorKind.ObjectNotFound,
                $"The {token} was removed.", "Insert the token and try again.", token.Label);

        internal int OpenSessionCount
        {
            get
            {
                lock (SyncRoot)
                {
                    return _sessions.Count;
                }
            }
        }

        internal void Track(TokenSession session)
        {
            lock (SyncRoot)
            {
                _sessions.Add(session);
            }
        }

        internal void Untrack(TokenSession session)
        {
            lock (SyncRoot)
            {
                _sessions.Remove(session);
            }
        }

        private void FinaliseLocked()
        {
            TokenSession[] open;
            lock (SyncRoot)
            {
                open = _sessions.ToArray();
            }

            foreach (var session in open)
            {
                session.CloseNow();
            }

            lock (SyncRoot)
            {
                try
                {
                    _library?.Dispose();
                }
                catch (Pkcs11Exception)
                {
                    // Finalising a library whose token went away can fail; it is being dropped either way.
                }

                _library = null;
                _initialiser?.Dispose();
                _initialiser = null;
            }
        }

        private static TokenLibrary Load(string path, string? initArguments)
        {
            if (path.Contains('/') || path.Contains('\\'))
            {
                if (Directory.Exists(path) || !File.Exists(path))
                {
                    throw new SmimeException(ErrorIds.Pkcs11ModuleNotFound, SmimeErrorKind.ObjectNotFound,
                        $"The PKCS#11 library '{path}' does not exist.",
                        "Give the path of the library file of the token's driver (for SoftHSM2 /usr/lib/softhsm/libsofthsm2.so; for OpenSC opensc-pkcs11.so).", path);
                }
            }

            Pkcs11NativeResolver.Install();
            NativeEnvironment.Synchronise();
            var factories = new Pkcs11InteropFactories();
            IDisposable? initialiser = null;
            try
            {
                if (initArguments != null)
                {
                    initialiser = Pkcs11Initialiser.Initialise(path, initArguments);
                }

                var library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, path, AppType.MultiThreaded);
                return new TokenLibrary(path, initArguments, library, initialiser, factories);
            }
            catch (Pkcs11Exception e)
            {
                initialiser?.Dispose();
                throw new SmimeException(ErrorIds.Pkcs11ModuleFailed, SmimeErrorKind.ResourceUnavailable,
                    $"The PKCS#11 library '{path}' loaded but would not start: {e.Method} returned {e.RV}.",
                    "Check the library's own configuration (for SoftHSM2 the SOFTHSM2_CONF file and its token folder).", path, e);
            }
            catch (SmimeException)
            {
                initialiser?.Dispose();
                throw;
            }
            catch (Exception e) when (e is UnmanagedException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException
                or MarshalDirectiveException)
            {
                initialiser?.Dispose();
                var missing = e is DllNotFoundException || e.Message.Contains("No such file", StringComparison.OrdinalIgnoreCase)
                    || e.Message.Contains("cannot open shared object", StringComparison.OrdinalIgnoreCase);
                throw new SmimeException(missing ? ErrorIds.Pkcs11ModuleNotFound : ErrorIds.Pkcs11ModuleFailed,
                    missing ? SmimeErrorKind.ObjectNotFound : SmimeErrorKind.InvalidArgument,
                    missing ? $"The PKCS#11 library '{path}' could not be found or loaded: {e.Message}"
                            : $"'{path}' could not be used as a PKCS#11 library: {e.Message}",
                    "Give the path of the library file of the token's driver (a .so, .dylib or .dll exporting C_GetFunctionList).", path, e);
            }
        }
    }
}
