using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Certificates
{
    [Collection(SharedPkiCollection.Name)]
    public sealed class ProtectionPartiesTests
    {
        private readonly TestPkiFixture _fixture;

        public ProtectionPartiesTests(TestPkiFixture fixture) => _fixture = fixture;

        private X509Certificate2 Intermediate => _fixture.Pki.Intermediate.GetCertificate();

        private string Thumbprint(string name) => _fixture.Pki.Users[name].Thumbprint;

        private CertificateEntry Public(string name) => new(_fixture.Pki.Users[name].GetCertificate(), null, "address book");

        private CertificateEntry Identity(string name) =>
            TestEntries.Identity(_fixture.Pki.Users[name], "my store");

        private static CertificateEntry Chain(X509Certificate2 authority) => new(authority, null, "alice.p12");

        private static ProtectionParties Parties(List<string> notes, CertificateSource? intermediates = null, params CertificateEntry[] stores)
        {
            var source = new CertificateCollectionSource(stores, "my store");
            return new ProtectionParties(() => new[] { source })
            {
                Note = notes.Add,
                Intermediates = intermediates ?? new CertificateCollectionSource(Array.Empty<CertificateEntry>(), "intermediates"),
            };
        }

        [Fact]
        public void TheSignerIsTheOneCertificateWithAKey()
        {
            var alice = _fixture.Pki.Users["rsa2048"];
            var signer = ProtectionParties.PickSigner(new[] { Chain(Intermediate), Identity("rsa2048"), Identity("rsa2048") });
            Assert.Equal(alice.Thumbprint, signer.Certificate.Thumbprint);
        }

        [Fact]
        public void NoKeyIsNoPrivateKeyAndTwoKeysAreAmbiguous()
        {
            var none = Assert.Throws<SmimeException>(() => ProtectionParties.PickSigner(new[] { Public("rsa3072"), Chain(Intermediate) }));
            Assert.Equal(ErrorIds.NoPrivateKey, none.ErrorId);
            Assert.Equal(Thumbprint("rsa3072"), Assert.IsType<X509Certificate2>(none.Target).Thumbprint);
            Assert.Equal(ErrorIds.NoPrivateKey, Assert.Throws<SmimeException>(() => ProtectionParties.PickSigner(Array.Empty<CertificateEntry>())).ErrorId);

            var two = Assert.Throws<SmimeException>(() => ProtectionParties.PickSigner(new[]
            {
                Identity("rsa2048"), Identity("rsa3072"),
            }));
            Assert.Equal(ErrorIds.AmbiguousCertificate, two.ErrorId);
            Assert.Equal(SmimeErrorKind.InvalidArgument, two.Kind);
        }

        [Fact]
        public void CaCertificatesAreNotRecipients()
        {
            var bob = _fixture.Pki.Users["rsa3072"].GetCertificate();
            Assert.Equal(bob.Thumbprint, Assert.Single(ProtectionParties.RecipientsAmong(new[] { Intermediate, bob })).Thumbprint);
            var error = Assert.Throws<SmimeException>(() => ProtectionParties.RecipientsAmong(new[] { Intermediate, _fixture.Pki.Root.GetCertificate() }));
            Assert.Equal(ErrorIds.NoMatchingCertificate, error.ErrorId);
        }

        [Fact]
        public void TheStoresAreReadOnlyWhenAnAddressNeedsThem()
        {
            var asked = 0;
            using var parties = new ProtectionParties(() =>
            {
                asked++;
                return new[] { new CertificateCollectionSource(new[] { Public("rsa3072"), Identity("rsa2048") }, "my store") };
            });
            var alice = _fixture.Pki.Users["rsa2048"].GetCertificateWithPrivateKey();
            Assert.Equal(alice.Thumbprint, parties.SelfCopyFor(alice, null)!.Thumbprint);
            Assert.Equal(0, asked);

            Assert.Equal(Thumbprint("rsa3072"), parties.RecipientFor("bob@example.com").Thumbprint);
            Assert.Equal(Thumbprint("rsa2048"), parties.SignerFor("alice@example.com").Certificate.Thumbprint);
            Assert.Equal(1, asked);
        }

        [Fact]
        public void AnAddressTheStoresLackIsNoMatchingCertificateWithoutDirectories()
        {
            var notes = new List<string>();
            using var parties = Parties(notes, null, Public("rsa3072"));
            var error = Assert.Throws<SmimeException>(() => parties.RecipientFor("mallory@example.com"));
            Assert.Equal(ErrorIds.NoMatchingCertificate, error.ErrorId);
            Assert.Equal("mallory@example.com", error.Target);
            Assert.DoesNotContain(notes, n => n.Contains("Asking the directories", StringComparison.Ordinal));
        }

        [Fact]
        public void TheSelfCopyOfASigningOnlySignerFoundByAddressIsItsEncryptionCertificate()
        {
            var notes = new List<string>();
            using var parties = Parties(notes, null, Identity("ed25519"), Identity("x25519"));
            var signer = parties.SignerFor("erin@example.com").Certificate;
            Assert.Equal(Thumbprint("ed25519"), signer.Thumbprint);
            Assert.Contains(notes, n => n.StartsWith("Chose " + Thumbprint("ed25519"), StringComparison.Ordinal));

            Assert.Equal(Thumbprint("x25519"), parties.SelfCopyFor(signer, null)!.Thumbprint);
            Assert.Contains(notes, n => n.StartsWith("Chose " + Thumbprint("x25519"), StringComparison.Ordinal));

            var given = _fixture.Pki.Users["rsa3072"].GetCertificate();
            Assert.Equal(given.Thumbprint, parties.SelfCopyFor(signer, given)!.Thumbprint);
        }

        [Fact]
        public void ASigningOnlySignerGivenDirectlyHasNoSelfCopy()
        {
            using var parties = Parties(new List<string>(), null, Identity("x25519"));
            Assert.Null(parties.SelfCopyFor(_fixture.Pki.Users["ed25519"].GetCertificate(), null));
        }

        [Fact]
        public void OnlyASignerFoundInAStoreTakesIntermediatesFromTheIntermediateStore()
        {
            var notes = new List<string>();
            var intermediates = new CountingCertificateSource(new CertificateEntry(Intermediate, null, "intermediates"));
            using var parties = Parties(notes, intermediates, Identity("rsa2048"));

            var direct = _fixture.Pki.Users["rsa3072"].GetCertificateWithPrivateKey();
            Assert.Equal(new[] { direct.Thumbprint }, parties.ChainOf(direct, new[] { direct }).Select(c => c.Thumbprint));
            Assert.Equal(0, intermediates.Reads);
            Assert.Equal(new[] { direct.Thumbprint, Intermediate.Thumbprint },
                parties.ChainOf(direct, new[] { direct }, new[] { Intermediate, _fixture.Pki.Root.GetCertificate() }).Select(c => c.Thumbprint));

            var fromStore = parties.SignerFor("alice@example.com").Certificate;
            Assert.Equal(new[] { fromStore.Thumbprint, Intermediate.Thumbprint }, parties.ChainOf(fromStore, new[] { fromStore }).Select(c => c.Thumbprint));
            Assert.Equal(1, intermediates.Reads);
        }

        [Fact]
        public void AnIntermediateStoreThatCannotBeReadLeavesTheSignerAloneAndSaysWhy()
        {
            var notes = new List<string>();
            using var parties = Parties(notes, new UnavailableSource(), Identity("rsa2048"));
            var signer = parties.SignerFor("alice@example.com").Certificate;
            Assert.Equal(new[] { signer.Thumbprint }, parties.ChainOf(signer, new[] { signer }).Select(c => c.Thumbprint));
            Assert.Contains(notes, n => n.StartsWith("The intermediate CAs of Cert:\\CurrentUser\\CA are not at hand", StringComparison.Ordinal));
        }

        [Fact]
        public void SignersFoundInStoresTakeTheirChainFromTheUsersIntermediateStore()
        {
            using var parties = new ProtectionParties(() => Array.Empty<CertificateSource>());
            Assert.Equal(CertificateStorePath.CurrentUserIntermediates, Assert.IsType<StoreCertificateSource>(parties.Intermediates).Path);
        }

        private sealed class UnavailableSource : CertificateSource
        {
            public override string Description => CertificateStorePath.CurrentUserIntermediates.DisplayPath;

            public override IEnumerable<CertificateEntry> Read(Action<SmimeException>? problem = null) =>
                throw new SmimeException(ErrorIds.StoreUnavailable, SmimeErrorKind.ResourceUnavailable, "Cannot open the store.");
        }
    }
}
