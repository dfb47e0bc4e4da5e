using System;
using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.HighLevelAPI;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>
    /// Pkcs11Interop imports "libdl", which Debian and others ship only as libdl.so.2 (DESIGN.md §7). The module's load
    /// context maps it too; this resolver makes the engine work the same wherever it is loaded (test hosts, other hosts).
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
                try
                {
                    NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, Resolve);
                }
                catch (InvalidOperationException)
                {
                    // Someone else set a resolver for Pkcs11Interop already; theirs stays.
                }
            }
        }

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (name == "libdl" && RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && NativeLibrary.TryLoad("libdl.so.2", out var handle))
            {
                return handle;
            }

            return IntPtr.Zero;
        }
    }
}
