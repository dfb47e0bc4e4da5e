using System;
using System.Collections;
using System.Runtime.InteropServices;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>
    /// PKCS#11 libraries read their configuration from the environment with getenv (SOFTHSM2_CONF, OPENSC_CONF, ...).
    /// On Unix, .NET keeps its own copy of the environment, so what PowerShell's $env: sets never reaches them.
    /// Before a library starts, the variables .NET and the C library disagree about are copied to the C library.
    /// </summary>
    internal static class NativeEnvironment
    {
        public static void Synchronise()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            try
            {
                foreach (DictionaryEntry pair in Environment.GetEnvironmentVariables())
                {
                    if (pair.Key is not string name || pair.Value is not string value || name.Length == 0 || name.Contains('='))
                    {
                        continue;
                    }

                    var native = Marshal.PtrToStringUTF8(getenv(name));
                    if (!string.Equals(native, value, StringComparison.Ordinal))
                    {
                        setenv(name, value, 1);
                    }
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // No C library to talk to: the library sees the environment the process started with.
            }
        }

        [DllImport("libc", EntryPoint = "getenv")]
        private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

        [DllImport("libc", EntryPoint = "setenv")]
        private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
    }
}
