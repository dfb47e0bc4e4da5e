using System;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>
    /// Calls C_Initialize with a string in CK_C_INITIALIZE_ARGS.pReserved, which NSS softokn reads as its configuration
    /// (configdir='sql:...' ...). Pkcs11Interop's high-level API cannot pass it, its low-level API can: initialising
    /// first through the low-level API makes the high-level load see CKR_CRYPTOKI_ALREADY_INITIALIZED, which it accepts.
    /// The low-level handle is kept until the library is finalised, so the library stays loaded.
    /// </summary>
    internal static class Pkcs11Initialiser
    {
        public static IDisposable Initialise(string path, string initArguments)
        {
            var reserved = Marshal.StringToHGlobalAnsi(initArguments);
            try
            {
                if (Platform.NativeULongSize == 8 && Platform.StructPackingSize == 0)
                {
                    var library = new Net.Pkcs11Interop.LowLevelAPI80.Pkcs11Library(path);
                    var args = new Net.Pkcs11Interop.LowLevelAPI80.CK_C_INITIALIZE_ARGS { Flags = CKF.CKF_OS_LOCKING_OK, Reserved = reserved };
                    Check(library.C_Initialize(args), library);
                    return new Handle(library, reserved);
                }

                if (Platform.NativeULongSize == 4 && Platform.StructPackingSize == 1)
                {
                    var library = new Net.Pkcs11Interop.LowLevelAPI41.Pkcs11Library(path);
                    var args = new Net.Pkcs11Interop.LowLevelAPI41.CK_C_INITIALIZE_ARGS { Flags = CKF.CKF_OS_LOCKING_OK, Reserved = reserved };
                    Check(library.C_Initialize(args), library);
                    return new Handle(library, reserved);
                }

                if (Platform.NativeULongSize == 4 && Platform.StructPackingSize == 0)
                {
                    var library = new Net.Pkcs11Interop.LowLevelAPI40.Pkcs11Library(path);
                    var args = new Net.Pkcs11Interop.LowLevelAPI40.CK_C_INITIALIZE_ARGS { Flags = CKF.CKF_OS_LOCKING_OK, Reserved = reserved };
                    Check(library.C_Initialize(args), library);
                    return new Handle(library, reserved);
                }

                var library81 = new Net.Pkcs11Interop.LowLevelAPI81.Pkcs11Library(path);
                var args81 = new Net.Pkcs11Interop.LowLevelAPI81.CK_C_INITIALIZE_ARGS { Flags = CKF.CKF_OS_LOCKING_OK, Reserved = reserved };
                Check(library81.C_Initialize(args81), library81);
                return new Handle(library81, reserved);
            }
            catch
            {
                Marshal.FreeHGlobal(reserved);
                throw;
            }
        }

        private static void Check(CKR rv, IDisposable library)
        {
            if (rv != CKR.CKR_OK && rv != CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED)
            {
                library.Dispose();
                throw new Pkcs11Exception("C_Initialize", rv);
            }
        }

        /// <summary>Keeps the low-level library loaded and the configuration string alive until the library is finalised.</summary>
        private sealed class Handle : IDisposable
        {
            private IDisposable? _library;
            private IntPtr _reserved;

            public Handle(IDisposable library, IntPtr reserved)
            {
                _library = library;
                _reserved = reserved;
            }

            public void Dispose()
            {
                _library?.Dispose();
                _library = null;
                if (_reserved != IntPtr.Zero)
                {
                    Marshal.FreeHGlobal(_reserved);
                    _reserved = IntPtr.Zero;
                }
            }
        }
    }
}
