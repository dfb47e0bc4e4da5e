using System;
using System.Runtime.InteropServices;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// Functions of the C library that .NET has no call for (fsync of a folder, link), loaded by the library's real name:
    /// "libc" alone is a linker script, or absent, where no dev packages are installed.
    /// </summary>
    internal static class CLibrary
    {
        private static readonly Lazy<IntPtr> Handle = new(() =>
        {
            if (OperatingSystem.IsWindows())
            {
                return IntPtr.Zero;
            }

            var name = OperatingSystem.IsMacOS() ? "/usr/lib/libSystem.dylib" : "libc.so.6";
            return NativeLibrary.TryLoad(name, out var library) ? library : IntPtr.Zero;
        });

        /// <summary>The C function <paramref name="name"/> as a delegate; null on Windows or where it cannot be found.</summary>
        public static T? Function<T>(string name)
            where T : Delegate =>
            Handle.Value != IntPtr.Zero && NativeLibrary.TryGetExport(Handle.Value, name, out var function)
                ? Marshal.GetDelegateForFunctionPointer<T>(function)
                : null;
    }
}
