using SmimeTools.Engine.Certificates;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class CertificateFactsTests
    {
        private readonly TestPkiFixture _fixture;

        public CertificateFactsTests(TestPkiFixture fixture) => _fixture = fixture;

        [Theory]
        [InlineData("rsa2048", true, true)]
        [InlineData("rsa3072", true, true)]
        [InlineData("p256", true, true)]
        [InlineData("p384", true, true)]
        [InlineData("ed25519", true, false)]
        [InlineData("x25519", false, true)]
        [InlineData("signonly", true, false)]
        [InlineData("wrongeku", false, false)]
        public void UsageFollowsKeyUsageEkuAndAlgorithm(string name, bool canSign, bool canEncrypt)
        {
            var certificate = _fixture.Pki.Users[name].GetCertificate();
            Assert.Equal(canSign, CertificateFacts.CanSign(certificate));
            Assert.Equal(canEncrypt, CertificateFacts.CanEncrypt(certificate));
        }

        [Fact]
        public void CaCertificatesAreNotForMail()
        {
            var root = _fixture.Pki.Root.GetCertificate();
            Assert.False(CertificateFacts.CanSign(root));
            Assert.False(CertificateFacts.CanEncrypt(root));
        }

        [Theory]
        [InlineData("rsa2048", "alice@example.com")]
        [InlineData("uppercase", "Upper.Case@Example.COM")]
        [InlineData("mismatch", "someone-else@example.org")]
        [InlineData("p384", "dave@example.com")]
        public void EmailsComeFromSanAndSubjectWithoutDuplicates(string name, string expected)
        {
            var emails = CertificateFacts.GetEmails(_fixture.Pki.Users[name].GetCertificate());
            Assert.Equal(new[] { expected }, emails);
        }
    }
}
