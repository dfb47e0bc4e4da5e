using System;
using System.Collections.Generic;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class IdentitiesByAddressTests
    {
        private readonly TestPkiFixture _fixture;

        public IdentitiesByAddressTests(TestPkiFixture fixture) => _fixture = fixture;

        [Fact]
        public void EveryIdentityForTheAddressIsFoundAndCertificatesWithoutKeysAreNot()
        {
            var alice = _fixture.Pki.Users["rsa2048"];
            var renewed = _fixture.Pki.Users["renewed"];
            var sources = new CertificateSource[]
            {
                new CertificateCollectionSource(new[] { new CertificateEntry(renewed.GetCertificate(), null, "address book") }, "address book"),
                new CertificateCollectionSource(new[] { new CertificateEntry(new DotNetKeyReference(alice.GetCertificateWithPrivateKey(), KeyLocation.Store), "my store") }, "my store"),
            };
            var notes = new List<string>();
            var found = IdentitiesByAddress.Find(sources, "ALICE@example.com", notes.Add);
            Assert.Equal(alice.Thumbprint, Assert.Single(found).Certificate.Thumbprint);
            Assert.StartsWith("-Identity ALICE@example.com: 1 identity in address book, my store", Assert.Single(notes), StringComparison.Ordinal);
        }

        [Fact]
        public void NoIdentityForTheAddressIsNoMatchingCertificate()
        {
            var sources = new[] { new CertificateCollectionSource(new[] { new CertificateEntry(_fixture.Pki.Users["rsa3072"].GetCertificate(), null, "my store") }, "my store") };
            var error = Assert.Throws<SmimeException>(() => IdentitiesByAddress.Find(sources, "bob@example.com"));
            Assert.Equal(ErrorIds.NoMatchingCertificate, error.ErrorId);
            Assert.Equal("bob@example.com", error.Target);
        }
    }
}
