using System;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Provider;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Commands;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Provider
{
    /// <summary>
    /// The Cert: drive where PowerShell has none (Linux, macOS): <c>Cert:\</c> lists the locations, <c>Cert:\CurrentUser</c>
    /// the stores, <c>Cert:\CurrentUser\My</c> the certificates (as Get-SmimeCertificate writes them), over .NET's
    /// X509Store. Remove-Item deletes a certificate, with -WhatIf and -Confirm. On Windows the built-in drive stays.
    /// </summary>
    [CmdletProvider(ProviderName, ProviderCapabilities.ShouldProcess)]
    [OutputType(typeof(X509Certificate2), typeof(CertificateStoreItem), typeof(CertificateStoreLocationItem), ProviderCmdlet = ProviderCmdlet.GetChildItem)]
    public sealed class CertificateStoreProvider : NavigationCmdletProvider
    {
        public const string ProviderName = "SmimeCertificate";

        public const string DriveName = "Cert";

        protected override Collection<PSDriveInfo> InitializeDefaultDrives()
        {
            var drives = new Collection<PSDriveInfo>();

            // Windows has its own Cert: drive (mounted on first use), which stays the one scripts get.
            if (!OperatingSystem.IsWindows() && !CertDriveExists())
            {
                drives.Add(new PSDriveInfo(DriveName, ProviderInfo, string.Empty, "Certificate stores (SmimeTools, over .NET's X509Store)", null));
            }

            return drives;
        }

        protected override bool IsValidPath(string path) => Parse(path) != null;

        protected override bool ItemExists(string path)
        {
            var item = Parse(path);
            if (item == null)
            {
                return false;
            }

            if (item.Thumbprint != null)
            {
                return FindCertificate(item) != null;
            }

            return item.Store == null || CertificateStoreCatalog.HasStore(item.Location!.Value, item.Store.StoreName);
        }

        protected override bool IsItemContainer(string path) => Parse(path) is { Thumbprint: null } && ItemExists(path);

        protected override bool HasChildItems(string path)
        {
            var item = Parse(path);
            if (item == null || item.Thumbprint != null)
            {
                return false;
            }

            return item.Store == null || ReadStore(item.Store, quiet: true).Length > 0;
        }

        protected override void GetItem(string path)
        {
            var item = Parse(path);
            if (item == null)
            {
                return;
            }

            if (item.Location == null)
            {
                WriteItemObject($"{PSDriveInfo?.Name ?? DriveName}:\\", path, true);
            }
            else if (item.Store == null)
            {
                WriteLocation(item.Location.Value);
            }
            else if (item.Thumbprint == null)
            {
                WriteStore(item.Store);
            }
            else if (FindCertificate(item) is { } certificate)
            {
                WriteCertificate(item.Store, certificate);
            }
            else
            {
                WriteError(NotFound(path));
            }
        }

        protected override void GetChildItems(string path, bool recurse)
        {
            var item = Parse(path);
            if (item == null)
            {
                WriteError(NotFound(path));
                return;
            }

            if (item.Location == null)
            {
                foreach (var location in CertificateStoreCatalog.Locations)
                {
                    WriteLocation(location);
                    if (recurse)
                    {
                        GetChildItems(location.ToString(), recurse);
                    }
                }
            }
            else if (item.Store == null)
            {
                foreach (var name in CertificateStoreCatalog.StoreNames(item.Location.Value))
                {
                    var store = CertificateStorePath.Parse($"Cert:\\{item.Location}\\{name}");
                    WriteStore(store);
                    if (recurse)
                    {
                        // Under -Recurse a store the OS will not open (LocalMachine\My on Linux) is skipped, not an error.
                        WriteCertificates(store, quiet: true);
                    }
                }
            }
            else if (item.Thumbprint == null)
            {
                WriteCertificates(item.Store, quiet: false);
            }
            else
            {
                GetItem(path);
            }
        }

        protected override void GetChildNames(string path, ReturnContainers returnContainers)
        {
            var item = Parse(path);
            if (item == null || item.Thumbprint != null)
            {
                return;
            }

            if (item.Location == null)
            {
                foreach (var location in CertificateStoreCatalog.Locations)
                {
                    WriteItemObject(location.ToString(), location.ToString(), true);
                }
            }
            else if (item.Store == null)
            {
                foreach (var name in CertificateStoreCatalog.StoreNames(item.Location.Value))
                {
                    WriteItemObject(name, $"{item.Location}\\{name}", true);
                }
            }
            else
            {
                foreach (var certificate in ReadStore(item.Store, quiet: true))
                {
                    WriteItemObject(certificate.Thumbprint, ItemPath(item.Store, certificate), false);
                }
            }
        }

        protected override void RemoveItem(string path, bool recurse)
        {
            var item = Parse(path);
            if (item?.Store == null || item.Thumbprint == null)
            {
                WriteError(ErrorRecordFactory.From(new SmimeException(ErrorIds.UnsupportedDriveOperation, SmimeErrorKind.InvalidOperation,
                    $"'{DisplayPath(path)}' is not a certificate; only certificates can be removed from the Cert: drive.",
                    $"Remove the certificates one by one, for example Get-ChildItem '{DisplayPath(path)}' | Remove-Item.", path), path));
                return;
            }

            var certificate = FindCertificate(item);
            if (certificate == null)
            {
                WriteError(NotFound(path));
                return;
            }

            var target = $"{item.Store.DisplayPath}\\{certificate.Thumbprint} ({certificate.Subject})";
            if (!ShouldProcess(target, "Remove certificate"))
            {
                return;
            }

            try
            {
                using var store = item.Store.Open(OpenFlags.ReadWrite);
                store.Remove(certificate);
            }
            catch (SmimeException e)
            {
                WriteError(ErrorRecordFactory.From(e, path));
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                WriteError(ErrorRecordFactory.From(new SmimeException(ErrorIds.StoreUnavailable, SmimeErrorKind.WriteError,
                    $"Cannot remove {target}: {e.Message}", "Check that you may change the store.", path, e), path));
            }
        }

        private bool CertDriveExists()
        {
            try
            {
                return SessionState.Drive.GetAll().Any(d => string.Equals(d.Name, DriveName, StringComparison.OrdinalIgnoreCase));
            }
            catch (Exception e) when (e is PSInvalidOperationException or NullReferenceException)
            {
                return false;
            }
        }

        private void WriteLocation(StoreLocation location) =>
            WriteItemObject(new CertificateStoreLocationItem(location.ToString(), CertificateStoreCatalog.StoreNames(location)), location.ToString(), true);

        private void WriteStore(CertificateStorePath store) =>
            WriteItemObject(new CertificateStoreItem(store.StoreName, store.Location.ToString(), store.DisplayPath), $"{store.Location}\\{store.StoreName}", true);

        private void WriteCertificates(CertificateStorePath store, bool quiet)
        {
            foreach (var certificate in ReadStore(store, quiet))
            {
                WriteCertificate(store, certificate);
            }
        }

        private void WriteCertificate(CertificateStorePath store, X509Certificate2 certificate)
        {
            var entry = new CertificateEntry(certificate, DotNetKeyReference.Of(certificate, KeyLocation.Store), store.DisplayPath);
            WriteItemObject(CertificateOutput.Decorate(entry), ItemPath(store, certificate), false);
        }

        private X509Certificate2[] ReadStore(CertificateStorePath store, bool quiet)
        {
            try
            {
                return new StoreCertificateSource(store).Read().Select(e => e.Certificate).ToArray();
            }
            catch (SmimeException e)
            {
                if (!quiet)
                {
                    WriteError(ErrorRecordFactory.From(e, store.DisplayPath));
                }

                return Array.Empty<X509Certificate2>();
            }
        }

        private X509Certificate2? FindCertificate(StoreItemPath item) =>
            ReadStore(item.Store!, quiet: true).FirstOrDefault(c => string.Equals(c.Thumbprint, item.Thumbprint, StringComparison.OrdinalIgnoreCase));

        private static string ItemPath(CertificateStorePath store, X509Certificate2 certificate) =>
            $"{store.Location}\\{store.StoreName}\\{certificate.Thumbprint}";

        private static ErrorRecord NotFound(string path) =>
            ErrorRecordFactory.From(new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound,
                $"Cannot find the path '{DisplayPath(path)}' because it does not exist.", "Check the thumbprint; Get-ChildItem lists what the store holds.", path), path);

        private static string DisplayPath(string path) => $"{DriveName}:\\" + string.Join('\\', (path ?? string.Empty).Split(new[] { '\\', '/' }, StringSplitOptions.RemoveEmptyEntries));

        /// <summary>A path on the drive: the root, a location, a store, or a certificate in a store.</summary>
        private static StoreItemPath? Parse(string? path)
        {
            var parts = (path ?? string.Empty).Split(new[] { '\\', '/' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                return new StoreItemPath(null, null, null);
            }

            StoreLocation location;
            if (parts.Length > 3)
            {
                return null;
            }
            else if (string.Equals(parts[0], nameof(StoreLocation.CurrentUser), StringComparison.OrdinalIgnoreCase))
            {
                location = StoreLocation.CurrentUser;
            }
            else if (string.Equals(parts[0], nameof(StoreLocation.LocalMachine), StringComparison.OrdinalIgnoreCase))
            {
                location = StoreLocation.LocalMachine;
            }
            else
            {
                return null;
            }

            if (parts.Length == 1)
            {
                return new StoreItemPath(location, null, null);
            }

            if (!CertificateStorePath.TryParse($"Cert:\\{location}\\{parts[1]}", out var store))
            {
                return null;
            }

            return new StoreItemPath(location, store, parts.Length == 3 ? parts[2] : null);
        }

        private sealed record StoreItemPath(StoreLocation? Location, CertificateStorePath? Store, string? Thumbprint);
    }
}
