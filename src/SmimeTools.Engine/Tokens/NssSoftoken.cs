using System;
using System.IO;
using System.Linq;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>
    /// NSS's own PKCS#11 module (softokn), which keeps the certificates and keys of Firefox and Thunderbird profiles
    /// (cert9.db, key4.db). It takes its profile folder in C_Initialize's pReserved string rather than from a file or
    /// the environment; <see cref="Pkcs11Initialiser"/> passes it.
    /// </summary>
    public static class NssSoftoken
    {
        private static readonly string[] Candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libsoftokn3.so",
            "/usr/lib/aarch64-linux-gnu/libsoftokn3.so",
            "/usr/lib64/libsoftokn3.so",
            "/usr/lib/libsoftokn3.so",
            "/usr/lib/thunderbird/libsoftokn3.so",
            "/usr/lib/firefox/libsoftokn3.so",
            "/Applications/Thunderbird.app/Contents/MacOS/libsoftokn3.dylib",
            "/Applications/Firefox.app/Contents/MacOS/libsoftokn3.dylib",
            @"C:\Program Files\Mozilla Thunderbird\softokn3.dll",
            @"C:\Program Files\Mozilla Firefox\softokn3.dll",
        };

        /// <summary>The softokn library of this machine (the system's NSS, or Thunderbird's or Firefox's own), or null.</summary>
        public static string? FindLibrary() => Candidates.FirstOrDefault(File.Exists);

        /// <summary>The library to use: <paramref name="given"/>, else the one found; Pkcs11ModuleNotFound when there is none.</summary>
        public static string Library(string? given) =>
            given ?? FindLibrary() ?? throw new SmimeException(ErrorIds.Pkcs11ModuleNotFound, SmimeErrorKind.ObjectNotFound,
                "NSS's softokn library (libsoftokn3) was not found on this machine.",
                "Install NSS (on Debian: apt-get install libnss3), or give its path with -Pkcs11Module.");

        /// <summary>
        /// The configuration string for a profile folder: the SQL databases (cert9.db, key4.db) of Firefox, Thunderbird
        /// and current NSS tools, opened read-only unless <paramref name="readWrite"/>.
        /// </summary>
        public static string InitArguments(string profileFolder, bool readWrite = false)
        {
            ArgumentNullException.ThrowIfNull(profileFolder);
            var folder = Path.GetFullPath(profileFolder);
            if (!File.Exists(Path.Combine(folder, "cert9.db")))
            {
                throw new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound,
                    $"'{folder}' is not an NSS profile: it has no cert9.db.",
                    "Give the profile folder of Thunderbird or Firefox (about:profiles shows it), or an NSS database made with certutil -N -d sql:<folder>.", folder);
            }

            if (folder.Contains('\'', StringComparison.Ordinal))
            {
                throw new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.InvalidArgument,
                    $"The NSS profile path '{folder}' contains a single quote, which NSS's configuration string cannot carry.",
                    "Use a path without quotes (a symbolic link will do).", folder);
            }

            return $"configdir='sql:{folder}' certPrefix='' keyPrefix='' secmod='secmod.db'" + (readWrite ? string.Empty : " flags=readOnly");
        }
    }
}
