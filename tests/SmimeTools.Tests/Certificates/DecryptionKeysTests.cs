using System;
using System.Collections.Generic;
using System.Linq;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class DecryptionKeysTests
    {
        private readonly TestPkiFixture _fixture;

        public DecryptionKeysTests(TestPkiFixture fixture) => _fixture = fixture;

        [Fact]
        public void IdentitiesGiveOneKeyEachAndCertificatesWithoutKeysAreSkipped()
        {
            var alice = _fixture.Pki.Users["rsa2048"];
            var bob = _fixture.Pki.Users["rsa3072"];
            using var keys = DecryptionKeys.FromIdentities(new[]
            {
                TestEntries.Identity(alice, "alice.p12"), TestEntries.Identity(alice, "alice.p12"), TestEntries.Public(bob, "bob.crt"),
                new CertificateEntry(_fixture.Pki.Intermediate.GetCertificate(), null, "alice.p12"),
            });
            var key = Assert.Single(keys);
            Assert.Equal(alice.Thumbprint, key.Certificate.Thumbprint);
        }

        [Fact]
        public void NoIdentityWithAKeyIsNoPrivateKey()
        {
            var error = Assert.Throws<SmimeException>(() => DecryptionKeys.FromIdentities(new[] { TestEntries.Public(_fixture.Pki.Users["rsa3072"], "bob.crt") }));
            Assert.Equal(ErrorIds.NoPrivateKey, error.ErrorId);
            Assert.Equal(SmimeErrorKind.InvalidArgument, error.Kind);
        }

        [Fact]
        public void SourcesAreReadOnlyWhenAKeyIsFirstAskedFor()
        {
            var alice = _fixture.Pki.Users["rsa2048"];
            var source = new CountingCertificateSource(
                TestEntries.Identity(alice, "my store"),
                new CertificateEntry(_fixture.Pki.Users["rsa3072"].GetCertificate(), null, "my store"));
            var notes = new List<string>();
            var keys = DecryptionKeys.FromSources(new[] { source }, notes.Add);
            Assert.Equal(0, source.Reads);

            Assert.Equal(alice.Thumbprint, Assert.Single(keys).Certificate.Thumbprint);
            Assert.Equal(alice.Thumbprint, keys[0].Certificate.Thumbprint);
            Assert.Equal(1, source.Reads);
            Assert.Contains("trying the 1 identities", Assert.Single(notes), StringComparison.Ordinal);

            keys.Dispose();
            Assert.Throws<ObjectDisposedException>(() => keys.Count);
        }
    }
}
