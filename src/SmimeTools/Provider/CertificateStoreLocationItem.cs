using System;
using System.Collections.Generic;

namespace SmimeTools.Provider
{
    /// <summary>A store location as the Cert: drive lists it (Get-ChildItem Cert:\): CurrentUser or LocalMachine, with its stores.</summary>
    public sealed class CertificateStoreLocationItem
    {
        public CertificateStoreLocationItem(string location, IReadOnlyList<string> storeNames)
        {
            Location = location ?? throw new ArgumentNullException(nameof(location));
            StoreNames = storeNames ?? throw new ArgumentNullException(nameof(storeNames));
        }

        public string Location { get; }

        public IReadOnlyList<string> StoreNames { get; }

        public override string ToString() => Location;
    }
}
