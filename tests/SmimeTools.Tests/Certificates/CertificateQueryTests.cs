using System;
using System.Linq;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class CertificateQueryTests
    {
        private readonly TestPkiFixture _fixture;

        public CertificateQueryTests(TestPkiFixture fixture) => _fixture = fixture;

        private CertificateEntry Entry(string name) =>
            new(_fixture.Pki.Users[name].GetCertificate(), null, name + ".crt");

        private CertificateEntry Identity(string name) =>
            TestEntries.Identity(_fixture.Pki.Users[name], name + ".p12");

        [Theory]
        [InlineData("rsa2048", "alice@example.com")]
        [InlineData("rsa2048", "ALICE@example.COM")]
        [InlineData("uppercase", "upper.case@example.com")]
        [InlineData("p384", "Dave@Example.com")]
        [InlineData("idn", "juergen@xn--bcher-kva.example")]
        [InlineData("idn", "juergen@bücher.example")]
        [InlineData("idn", "jürgen@bücher.example")]
        [InlineData("idn", "JÜRGEN@BÜCHER.EXAMPLE")]
        [InlineData("idn", "jürgen@xn--bcher-kva.example")]
        public void EmailMatchesCaseInsensitiveAndIdnAware(string name, string address)
        {
            var query = new CertificateQuery { Emails = new[] { address } };
            Assert.True(query.Matches(Entry(name)), string.Join("; ", query.Mismatches(Entry(name))));
        }

        [Theory]
        [InlineData("mismatch", "mallory@example.com")]
        [InlineData("rsa2048", "bob@example.com")]
        [InlineData("idn", "jurgen@bucher.example")]
        public void EmailMismatchSaysWhichAddressesTheCertificateHas(string name, string address)
        {
            var reasons = new CertificateQuery { Emails = new[] { address } }.Mismatches(Entry(name));
            var reason = Assert.Single(reasons);
            Assert.Contains(address, reason, StringComparison.Ordinal);
            Assert.Contains(_fixture.Pki.Users[name].CertificateEmail, reason, StringComparison.Ordinal);
        }

        [Fact]
        public void AnyOfSeveralAddressesMatches()
        {
            var query = new CertificateQuery { Emails = new[] { "nobody@example.com", "bob@example.com" } };
            Assert.True(query.Matches(Entry("rsa3072")));
            Assert.False(query.Matches(Entry("rsa2048")));
        }

        [Theory]
        [InlineData("rsa2048", CertificateUsage.Signing, true)]
        [InlineData("rsa2048", CertificateUsage.Encryption, true)]
        [InlineData("p256", CertificateUsage.Encryption, true)]
        [InlineData("ed25519", CertificateUsage.Signing, true)]
        [InlineData("ed25519", CertificateUsage.Encryption, false)]
        [InlineData("x25519", CertificateUsage.Signing, false)]
        [InlineData("x25519", CertificateUsage.Encryption, true)]
        [InlineData("signonly", CertificateUsage.Signing, true)]
        [InlineData("signonly", CertificateUsage.Encryption, false)]
        [InlineData("wrongeku", CertificateUsage.Signing, false)]
        [InlineData("wrongeku", CertificateUsage.Encryption, false)]
        [InlineData("idn", CertificateUsage.Signing, true)]
        [InlineData("idn", CertificateUsage.Encryption, true)]
        public void UsageFollowsRfc8550(string name, CertificateUsage usage, bool fits)
        {
            var query = new CertificateQuery { Usage = usage };
            Assert.Equal(fits, query.Matches(Entry(name)));
            Assert.Equal(fits, CertificateUsageRules.Explain(Entry(name).Certificate, usage) == null);
        }

        [Theory]
        [InlineData("wrongeku", CertificateUsage.Signing, "extended key usage (serverAuth)")]
        [InlineData("signonly", CertificateUsage.Encryption, "keyEncipherment")]
        [InlineData("x25519", CertificateUsage.Signing, "X25519")]
        [InlineData("ed25519", CertificateUsage.Encryption, "Ed25519")]
        public void UsageMismatchSaysWhy(string name, CertificateUsage usage, string expected)
        {
            var reason = Assert.Single(new CertificateQuery { Usage = usage }.Mismatches(Entry(name)));
            Assert.Contains(expected, reason, StringComparison.Ordinal);
        }

        [Fact]
        public void ValidityIsCheckedNowOrAtTheGivenTime()
        {
            var valid = new CertificateQuery { Valid = true };
            Assert.True(valid.Matches(Entry("rsa2048")));
            Assert.Contains("expired on", Assert.Single(valid.Mismatches(Entry("expired"))), StringComparison.Ordinal);
            Assert.Contains("not valid before", Assert.Single(valid.Mismatches(Entry("notyetvalid"))), StringComparison.Ordinal);

            var created = _fixture.Pki.CreatedUtc;
            Assert.True(new CertificateQuery { At = created.AddYears(-1).AddDays(-1) }.Matches(Entry("expired")));
            Assert.False(new CertificateQuery { At = created.AddYears(-1).AddDays(-1) }.Matches(Entry("rsa2048")));
            Assert.True(new CertificateQuery { Valid = true, At = created.AddYears(2) }.Matches(Entry("notyetvalid")));
            // A local time means the same instant.
            Assert.True(new CertificateQuery { At = created.AddYears(2).ToLocalTime() }.Matches(Entry("notyetvalid")));
        }

        [Fact]
        public void ThumbprintIgnoresCaseSpacesAndColons()
        {
            var thumbprint = _fixture.Pki.Users["rsa3072"].Thumbprint;
            var spaced = string.Join(" ", Enumerable.Range(0, thumbprint.Length / 2).Select(i => thumbprint.Substring(i * 2, 2).ToLowerInvariant()));
            Assert.True(new CertificateQuery { Thumbprints = new[] { spaced } }.Matches(Entry("rsa3072")));
            Assert.True(new CertificateQuery { Thumbprints = new[] { spaced.Replace(' ', ':') } }.Matches(Entry("rsa3072")));
            Assert.False(new CertificateQuery { Thumbprints = new[] { thumbprint } }.Matches(Entry("rsa2048")));
        }

        [Fact]
        public void PrivateKeyIsAtHandFromFilesAndStores()
        {
            var query = new CertificateQuery { RequirePrivateKey = true };
            Assert.False(query.Matches(Entry("rsa2048")));
            Assert.True(query.Matches(Identity("rsa2048")));
            Assert.True(query.Matches(new CertificateEntry(new DotNetKeyReference(_fixture.Pki.Users["p256"].GetCertificateWithPrivateKey(), KeyLocation.Store), "Cert:\\CurrentUser\\My")));
            Assert.Equal("its private key is not at hand", Assert.Single(query.Mismatches(Entry("rsa2048"))));
        }

        [Fact]
        public void ConditionsCombineAndEveryFailureIsNamed()
        {
            var query = new CertificateQuery
            {
                Emails = new[] { "expired@example.com" },
                Usage = CertificateUsage.Signing,
                Valid = true,
                RequirePrivateKey = true,
            };
            Assert.Equal(2, query.Mismatches(Entry("expired")).Count);
            Assert.Equal(3, query.Mismatches(Entry("wrongeku")).Count);
            Assert.Equal("e-mail expired@example.com, usage Signing, valid now, with its private key", query.ToString());
        }

        [Fact]
        public void EmptyQueryLetsEverythingThrough()
        {
            var query = new CertificateQuery { Emails = new[] { " ", string.Empty } };
            Assert.True(query.IsEmpty);
            Assert.Equal(3, query.Filter(new[] { Entry("expired"), Entry("wrongeku"), Entry("rsa2048") }).Count());
        }
    }
}
