using SmimeTools.Engine;
using SmimeTools.Engine.Ldap;
using Xunit;

namespace SmimeTools.Tests.Ldap
{
    public sealed class LdapUrlTests
    {
        [Theory]
        [InlineData("ldap://ldap.example.com/ou=people,dc=example,dc=com", "ldap", "ldap.example.com", 389, "ou=people,dc=example,dc=com")]
        [InlineData("LDAPS://ldap.example.com", "ldaps", "ldap.example.com", 636, "")]
        [InlineData("ldap://127.0.0.1:1389/cn=Some%20CA,dc=example?certificateRevocationList;binary?base", "ldap", "127.0.0.1", 1389, "cn=Some CA,dc=example")]
        [InlineData("ldap://[::1]:1389/dc=example", "ldap", "::1", 1389, "dc=example")]
        public void ParsesWhatDirectoriesAndDistributionPointsUse(string text, string scheme, string host, int port, string baseDn)
        {
            var url = LdapUrl.Parse(text);
            Assert.Equal(scheme, url.Scheme);
            Assert.Equal(host, url.Host);
            Assert.Equal(port, url.Port);
            Assert.Equal(baseDn, url.BaseDn);
        }

        [Fact]
        public void KeepsTheAttributeAndScopeOfACrlUrl()
        {
            var url = LdapUrl.Parse("ldap://ca.example/cn=CA?certificateRevocationList;binary?base?(objectClass=*)");
            Assert.Equal("certificateRevocationList;binary", Assert.Single(url.Attributes));
            Assert.Equal(LdapScope.Base, url.Scope);
            Assert.Equal("(objectClass=*)", url.Filter);
        }

        [Theory]
        [InlineData("http://ldap.example.com/")]
        [InlineData("ldap:///dc=example")]
        [InlineData("ldap://user:pw@ldap.example.com/")]
        [InlineData("ldap://ldap.example.com:0/")]
        [InlineData("ldap://ldap.example.com:99999/")]
        [InlineData("ldap://ldap.example.com/dc=x??sideways")]
        [InlineData("ldap://ldap.example.com/dc=x????!critical")]
        public void RefusesWhatIsNoUsableDirectoryUri(string text)
        {
            var failure = Assert.Throws<SmimeException>(() => LdapUrl.Parse(text));
            Assert.Equal(ErrorIds.InvalidDirectoryUri, failure.ErrorId);
            Assert.Contains(text, failure.Message, System.StringComparison.Ordinal);
        }
    }
}
