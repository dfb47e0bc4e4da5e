using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    /// <summary>Cert: paths as users type them map to .NET stores; nothing here opens a store.</summary>
    public sealed class CertificateStorePathTests
    {
        [Theory]
        [InlineData(@"Cert:\CurrentUser\My", StoreLocation.CurrentUser, "My")]
        [InlineData("cert:/currentuser/my", StoreLocation.CurrentUser, "My")]
        [InlineData(@"CERT:\LocalMachine\Root\", StoreLocation.LocalMachine, "Root")]
        [InlineData(@"Cert:\CurrentUser\AddressBook", StoreLocation.CurrentUser, "AddressBook")]
        [InlineData(@"Cert:\CurrentUser\Other People", StoreLocation.CurrentUser, "AddressBook")]
        [InlineData(@"Cert:\CurrentUser\CertificateAuthority", StoreLocation.CurrentUser, "CA")]
        [InlineData(@"CurrentUser\ca", StoreLocation.CurrentUser, "CA")]
        [InlineData(@"Microsoft.PowerShell.Security\Certificate::CurrentUser\My", StoreLocation.CurrentUser, "My")]
        [InlineData(@"Cert:\CurrentUser\SmimeTest", StoreLocation.CurrentUser, "SmimeTest")]
        public void ParsesWhatUsersType(string text, StoreLocation location, string name)
        {
            var path = CertificateStorePath.Parse(text);
            Assert.Equal(location, path.Location);
            Assert.Equal(name, path.StoreName);
            Assert.Equal($@"Cert:\{location}\{name}", path.DisplayPath);
            Assert.Equal(path, CertificateStorePath.Parse(path.DisplayPath.ToLowerInvariant()));
        }

        [Theory]
        [InlineData("")]
        [InlineData(@"Cert:\")]
        [InlineData(@"Cert:\CurrentUser")]
        [InlineData(@"Cert:\Somewhere\My")]
        [InlineData(@"Cert:\CurrentUser\My\Extra")]
        [InlineData(@"C:\CurrentUser\My")]
        [InlineData(@"Registry::CurrentUser\My")]
        public void RefusesWhatIsNotAStore(string text)
        {
            Assert.False(CertificateStorePath.TryParse(text, out _));
            Assert.Equal(ErrorIds.InvalidStorePath, Assert.Throws<SmimeException>(() => CertificateStorePath.Parse(text)).ErrorId);
        }

        [Theory]
        [InlineData(@"Cert:\CurrentUser\AddressBook\0123456789ABCDEF0123456789ABCDEF01234567", "AddressBook")]
        [InlineData("cert:/currentuser/my/0123456789abcdef0123456789abcdef01234567/", "My")]
        [InlineData(@"Microsoft.PowerShell.Security\Certificate::CurrentUser\CA\0123456789ABCDEF0123456789ABCDEF01234567", "CA")]
        public void ParsesCertDriveItems(string text, string storeName)
        {
            Assert.True(CertificateStorePath.TryParseItem(text, out var store, out var thumbprint));
            Assert.Equal(StoreLocation.CurrentUser, store!.Location);
            Assert.Equal(storeName, store.StoreName);
            Assert.Equal("0123456789ABCDEF0123456789ABCDEF01234567", thumbprint!.ToUpperInvariant());
        }

        [Theory]
        [InlineData(null)]
        [InlineData(@"Cert:\CurrentUser\My")]
        [InlineData(@"Cert:\CurrentUser\My\0123")]
        [InlineData(@"Cert:\Somewhere\My\0123456789ABCDEF0123456789ABCDEF01234567")]
        [InlineData(@"./certs/0123456789ABCDEF0123456789ABCDEF01234567")]
        public void RefusesWhatIsNoCertDriveItem(string? text)
        {
            Assert.False(CertificateStorePath.TryParseItem(text, out var store, out var thumbprint));
            Assert.Null(store);
            Assert.Null(thumbprint);
        }

        [Fact]
        public void TheIntermediateStoreIsTheUsersCaStore()
        {
            Assert.Equal(CertificateStorePath.Parse(@"Cert:\CurrentUser\CA"), CertificateStorePath.CurrentUserIntermediates);
            Assert.Equal(@"Cert:\CurrentUser\CA", CertificateStorePath.CurrentUserIntermediates.DisplayPath);
        }
    }
}
