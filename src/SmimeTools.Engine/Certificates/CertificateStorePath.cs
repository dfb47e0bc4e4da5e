using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// A <c>Cert:\&lt;Location&gt;\&lt;Store&gt;</c> path mapped onto .NET's <see cref="X509Store"/>, so the same
    /// path works on every OS (on Linux and macOS .NET keeps CurrentUser stores in the user's profile).
    /// </summary>
    public sealed class CertificateStorePath : IEquatable<CertificateStorePath>
    {
        /// <summary>The default destination of identities: <c>Cert:\CurrentUser\My</c>.</summary>
        public static CertificateStorePath CurrentUserMy { get; } = new(StoreLocation.CurrentUser, "My");

        /// <summary>The user's intermediate CA store, <c>Cert:\CurrentUser\CA</c>, where a store identity's chain is looked for.</summary>
        public static CertificateStorePath CurrentUserIntermediates { get; } = new(StoreLocation.CurrentUser, "CA");

        // The names Windows and the Cert: drive use, with the .NET store name they stand for.
        private static readonly Dictionary<string, string> KnownStores = new(StringComparer.OrdinalIgnoreCase)
        {
            ["My"] = "My",
            ["Personal"] = "My",
            ["Root"] = "Root",
            ["CA"] = "CA",
            ["CertificateAuthority"] = "CA",
            ["AddressBook"] = "AddressBook",
            ["Other People"] = "AddressBook",
            ["OtherPeople"] = "AddressBook",
            ["AuthRoot"] = "AuthRoot",
            ["Disallowed"] = "Disallowed",
            ["TrustedPeople"] = "TrustedPeople",
            ["TrustedPublisher"] = "TrustedPublisher",
        };

        private CertificateStorePath(StoreLocation location, string storeName)
        {
            Location = location;
            StoreName = storeName;
            DisplayPath = $"Cert:\\{location}\\{storeName}";
        }

        /// <summary>CurrentUser or LocalMachine.</summary>
        public StoreLocation Location { get; }

        /// <summary>The .NET store name: My, Root, CA, AddressBook (Windows' "Other People"), ...</summary>
        public string StoreName { get; }

        /// <summary>The path in its canonical form, for example <c>Cert:\CurrentUser\My</c>.</summary>
        public string DisplayPath { get; }

        /// <summary>
        /// Parses <c>Cert:\CurrentUser\My</c>, <c>cert:/currentuser/addressbook</c>, <c>CurrentUser\My</c> or a
        /// provider-qualified <c>...\Certificate::CurrentUser\My</c>. Throws <see cref="SmimeException"/>
        /// (<see cref="ErrorIds.InvalidStorePath"/>) when the path does not name a location and a store.
        /// </summary>
        public static CertificateStorePath Parse(string path)
        {
            if (TryParse(path, out var result))
            {
                return result!;
            }

            throw new SmimeException(ErrorIds.InvalidStorePath, SmimeErrorKind.InvalidArgument,
                $"'{path}' is not a certificate store path.",
                @"Give a path such as Cert:\CurrentUser\My, Cert:\CurrentUser\AddressBook or Cert:\LocalMachine\Root.", path);
        }

        /// <summary>Like <see cref="Parse"/>, without throwing.</summary>
        public static bool TryParse(string? path, out CertificateStorePath? result)
        {
            result = null;
            if (string.IsNullOrWhiteSpace(path))
            {
                return false;
            }

            var rest = path.Trim();
            var qualifier = rest.IndexOf("::", StringComparison.Ordinal);
            if (qualifier >= 0)
            {
                var provider = rest.Substring(0, qualifier);
                if (!provider.EndsWith("Certificate", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                rest = rest.Substring(qualifier + 2);
            }
            else if (rest.StartsWith("Cert:", StringComparison.OrdinalIgnoreCase))
            {
                rest = rest.Substring("Cert:".Length);
            }

            var parts = rest.Split(new[] { '\\', '/' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                return false;
            }

            StoreLocation location;
            if (parts[0].Equals("CurrentUser", StringComparison.OrdinalIgnoreCase))
            {
                location = StoreLocation.CurrentUser;
            }
            else if (parts[0].Equals("LocalMachine", StringComparison.OrdinalIgnoreCase))
            {
                location = StoreLocation.LocalMachine;
            }
            else
            {
                return false;
            }

            var name = parts[1].Trim();
            if (name.Length == 0 || name.IndexOfAny(new[] { ':', '*', '?', '"', '<', '>', '|' }) >= 0)
            {
                return false;
            }

            result = new CertificateStorePath(location, KnownStores.TryGetValue(name, out var known) ? known : name);
            return true;
        }

        /// <summary>
        /// Parses a Cert: drive item path, <c>Cert:\CurrentUser\AddressBook\&lt;thumbprint&gt;</c> (or provider-qualified),
        /// into its store and the certificate's 40-digit thumbprint; false for anything else.
        /// </summary>
        public static bool TryParseItem(string? path, out CertificateStorePath? store, out string? thumbprint)
        {
            store = null;
            thumbprint = null;
            var trimmed = path?.Trim().TrimEnd('\\', '/');
            var cut = trimmed?.LastIndexOfAny(new[] { '\\', '/' }) ?? -1;
            if (trimmed == null || cut < 0 || !(trimmed.StartsWith("Cert:", StringComparison.OrdinalIgnoreCase) || trimmed.Contains("Certificate::", StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }

            var last = trimmed.Substring(cut + 1);
            if (last.Length != 40 || !TryParse(trimmed.Substring(0, cut), out store))
            {
                store = null;
                return false;
            }

            thumbprint = last;
            return true;
        }

        /// <summary>
        /// Opens the store. Throws <see cref="SmimeException"/> (<see cref="ErrorIds.StoreUnavailable"/>) when the
        /// OS refuses, for example writing to a LocalMachine store on Linux, where .NET keeps those read-only.
        /// </summary>
        public X509Store Open(OpenFlags flags)
        {
            var store = new X509Store(StoreName, Location);
            try
            {
                store.Open(flags);
                return store;
            }
            catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException or UnauthorizedAccessException or System.IO.IOException)
            {
                store.Dispose();
                var writing = (flags & (OpenFlags.ReadWrite | OpenFlags.MaxAllowed)) != 0;
                var hint = Location == StoreLocation.LocalMachine && !OperatingSystem.IsWindows()
                    ? @"On Linux and macOS, .NET's LocalMachine stores are read-only; use a Cert:\CurrentUser store."
                    : writing
                        ? "Check that you may write to the store (LocalMachine stores need an administrator)."
                        : "Check the store name.";
                throw new SmimeException(ErrorIds.StoreUnavailable, SmimeErrorKind.ResourceUnavailable,
                    $"Cannot open the certificate store {DisplayPath}{(writing ? " for writing" : string.Empty)}: {e.Message}",
                    hint, DisplayPath, e);
            }
        }

        public bool Equals(CertificateStorePath? other) =>
            other != null && Location == other.Location && string.Equals(StoreName, other.StoreName, StringComparison.OrdinalIgnoreCase);

        public override bool Equals(object? obj) => Equals(obj as CertificateStorePath);

        public override int GetHashCode() => HashCode.Combine(Location, StringComparer.OrdinalIgnoreCase.GetHashCode(StoreName));

        public override string ToString() => DisplayPath;
    }
}
