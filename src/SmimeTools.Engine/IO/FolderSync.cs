using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SmimeTools.Engine.IO
{
    /// <summary>
    /// Makes renames durable. On Unix a rename is on disk only once its folder is fsynced, which .NET has no call for,
    /// so the folder is opened and fsynced natively. On Windows the rename itself is made write-through.
    /// </summary>
    internal static class FolderSync
    {
        private const int ReadOnly = 0;
        private const int MoveReplaceExisting = 0x1;
        private const int MoveWriteThrough = 0x8;

        /// <summary>Renames <paramref name="source"/> over <paramref name="destination"/> and makes the rename durable.</summary>
        public static void Replace(string source, string destination)
        {
            Rename(source, destination);
            Flush(Path.GetDirectoryName(Path.GetFullPath(destination)) ?? ".");
        }

        /// <summary>
        /// Renames <paramref name="source"/> over <paramref name="destination"/>; on Unix durable only once the folder is flushed
        /// (a batch flushes it once for all its files), on Windows at once.
        /// </summary>
        public static void Rename(string source, string destination)
        {
            if (OperatingSystem.IsWindows())
            {
                if (!MoveFileExW(source, destination, MoveReplaceExisting | MoveWriteThrough))
                {
                    throw new IOException($"Cannot rename '{source}' to '{destination}' (error {Marshal.GetLastPInvokeError()}).");
                }

                return;
            }

            File.Move(source, destination, overwrite: true);
        }

        /// <summary>fsync(2) of a folder, so the names created, renamed or removed in it survive a crash; nothing on Windows.</summary>
        public static void Flush(string folder)
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            var c = CLibraryFunctions.Value ?? throw new IOException($"Cannot flush the folder '{folder}': the C library was not found.");
            var descriptor = c.Open(folder, ReadOnly);
            if (descriptor < 0)
            {
                throw new IOException($"Cannot open the folder '{folder}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
            }

            try
            {
                if (c.Fsync(descriptor) != 0)
                {
                    throw new IOException($"Cannot flush the folder '{folder}' to disk (errno {Marshal.GetLastPInvokeError()}).");
                }
            }
            finally
            {
                c.Close(descriptor);
            }
        }

        private static readonly Lazy<Functions?> CLibraryFunctions = new(() =>
            CLibrary.Function<OpenFunction>("open") is { } open && CLibrary.Function<DescriptorFunction>("fsync") is { } fsync
                && CLibrary.Function<DescriptorFunction>("close") is { } close
                ? new Functions(open, fsync, close)
                : null);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl, SetLastError = true)]
        private delegate int OpenFunction([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl, SetLastError = true)]
        private delegate int DescriptorFunction(int descriptor);

        private sealed record Functions(OpenFunction Open, DescriptorFunction Fsync, DescriptorFunction Close);

        [DllImport("kernel32", EntryPoint = "MoveFileExW", SetLastError = true, CharSet = CharSet.Unicode)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool MoveFileExW(string existing, string replacement, int flags);
    }
}
