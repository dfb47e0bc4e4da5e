using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// The certificate stores there are to list and complete: the well-known ones of each location, and on Linux the
    /// CurrentUser stores .NET keeps as folders under ~/.dotnet/corefx/cryptography/x509stores. Windows has more (its
    /// own Cert: drive lists them); .NET offers no way to enumerate them, so the well-known ones stand in. On macOS
    /// .NET opens only My (a keychain), Root and Disallowed.
    /// </summary>
    public static class CertificateStoreCatalog
    {
        private static readonly string[] WindowsStores = { "My", "AddressBook", "Root", "CA", "TrustedPeople", "TrustedPublisher", "Disallowed", "AuthRoot" };

        // What .NET on Linux and macOS opens in each location; LocalMachine is limited to the system's trust anchors there.
        private static readonly string[] UnixCurrentUserStores = { "My", "AddressBook", "Root", "CA", "TrustedPeople", "Disallowed" };
        private static readonly string[] UnixLocalMachineStores = { "Root", "CA" };

        // macOS maps My to a keychain and Root and Disallowed to trust settings; .NET opens no other store there.
        private static readonly string[] MacStores = { "My", "Root", "Disallowed" };

        public static IReadOnlyList<StoreLocation> Locations { get; } = new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine };

        /// <summary>The store names of a location, well-known ones first, then (on Linux) others that exist on disk.</summary>
        public static IReadOnlyList<string> StoreNames(StoreLocation location)
        {
            if (OperatingSystem.IsWindows())
            {
                return WindowsStores;
            }

            if (OperatingSystem.IsMacOS())
            {
                return MacStores;
            }

            if (location == StoreLocation.LocalMachine)
            {
                return UnixLocalMachineStores;
            }

            var names = new List<string>(UnixCurrentUserStores);
            var root = UnixUserStoreFolder();
            if (root != null && Directory.Exists(root))
            {
                try
                {
                    foreach (var folder in Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>().OrderBy(n => n, StringComparer.OrdinalIgnoreCase))
                    {
                        // .NET writes the folder in lower case; show the name a user would type.
                        var canonical = CertificateStorePath.TryParse($"Cert:\\CurrentUser\\{folder}", out var parsed) ? parsed!.StoreName : folder;
                        if (!names.Contains(canonical, StringComparer.OrdinalIgnoreCase))
                        {
                            names.Add(canonical);
                        }
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Listing is a convenience; an unreadable folder leaves the well-known names.
                }
            }

            return names;
        }

        /// <summary>True when the location has a store of this name (a name .NET would open, or an existing store on Linux).</summary>
        public static bool HasStore(StoreLocation location, string name) =>
            StoreNames(location).Contains(name, StringComparer.OrdinalIgnoreCase);

        /// <summary>Where .NET keeps CurrentUser stores on Linux (and non-keychain stores on macOS); null on Windows.</summary>
        public static string? UnixUserStoreFolder()
        {
            if (OperatingSystem.IsWindows())
            {
                return null;
            }

            var home = Environment.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home))
            {
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            }

            return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".dotnet", "corefx", "cryptography", "x509stores");
        }
    }
}
