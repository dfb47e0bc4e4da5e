using System;
using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.HighLevelAPI;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>
    /// Pkcs11Interop imports "libdl", which Debian and others ship only as libdl.so.2 (DESIGN.md §7). The module's load
    /// context maps it too; this resolver makes the engine work the same wherever it is loaded (test hosts, other hosts),
    /// and points the engine's own "libc" at the C library itself.
    /// </summary>
    internal static class Pkcs11NativeResolver
    {
        private static readonly object Gate = new();
        private static bool _installed;

        public static void Install()
        {
            lock (Gate)
            {
                if (_installed)
                {
                    return;
                }

                _installed = true;
                foreach (var assembly in new[] { typeof(Pkcs11InteropFactories).Assembly, typeof(Pkcs11NativeResolver).Assembly })
                {
                    try
                    {
                        NativeLibrary.SetDllImportResolver(assembly, Resolve);
                    }
                    catch (InvalidOperationException)
                    {
                        // Someone else set a resolver for the assembly already; theirs stays.
                    }
                }
            }
        }

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (name == "libdl" && RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && NativeLibrary.TryLoad("libdl.so.2", out var handle))
            {
                return handle;
            }

            // The engine's own getenv/setenv (NativeEnvironment): glibc's libc.so is a linker script where dev packages are installed.
            if (name == "libc" && RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && NativeLibrary.TryLoad("libc.so.6", out var libc))
            {
                return libc;
            }

            return IntPtr.Zero;
        }
    }
}
