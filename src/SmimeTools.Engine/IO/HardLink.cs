using System;
using System.Runtime.InteropServices;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// link(2), which .NET has no call for: creating a name for an existing file fails if the name exists, atomically
    /// even on NFS, which is what makes dot-lock files safe. Unix only.
    /// </summary>
    internal static class HardLink
    {
        /// <summary>errno when the new name exists (the same number on Linux and macOS).</summary>
        public const int AlreadyExists = 17;

        /// <summary>Links <paramref name="newPath"/> to <paramref name="existingPath"/>; returns 0 or the errno of the failure.</summary>
        /// <exception cref="PlatformNotSupportedException">On Windows, or where the C library cannot be loaded.</exception>
        public static int TryCreate(string existingPath, string newPath)
        {
            var link = Link.Value ?? throw new PlatformNotSupportedException("link(2) is not available: the C library was not found.");
            return link(existingPath, newPath) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }

        private static readonly Lazy<LinkFunction?> Link = new(() => CLibrary.Function<LinkFunction>("link"));

        [UnmanagedFunctionPointer(CallingConvention.Cdecl, SetLastError = true)]
        private delegate int LinkFunction([MarshalAs(UnmanagedType.LPUTF8Str)] string existingPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
    }
}
