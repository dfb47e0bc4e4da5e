using System;

namespace SmimeTools.Provider
{
    /// <summary>A certificate store as the Cert: drive lists it (Get-ChildItem Cert:\CurrentUser).</summary>
    public sealed class CertificateStoreItem
    {
        public CertificateStoreItem(string name, string location, string path)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Location = location ?? throw new ArgumentNullException(nameof(location));
            Path = path ?? throw new ArgumentNullException(nameof(path));
        }

        /// <summary>The store name: My, AddressBook, Root, CA...</summary>
        public string Name { get; }

        /// <summary>CurrentUser or LocalMachine.</summary>
        public string Location { get; }

        /// <summary>The store as -CertStoreLocation takes it: Cert:\CurrentUser\My.</summary>
        public string Path { get; }

        public override string ToString() => Name;
    }
}
