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
    }
}
