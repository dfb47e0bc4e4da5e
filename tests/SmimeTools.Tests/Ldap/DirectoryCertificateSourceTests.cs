using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Ldap;
using SmimeTools.Engine.Policy;
using Xunit;

namespace SmimeTools.Tests.Ldap
{
    /// <summary>Finding certificates in a real slapd: attributes, proxyAddresses, TLS, binds, limits, paging, caching and every error.</summary>
    public sealed class DirectoryCertificateSourceTests : IClassFixture<DirectoryFixture>
    {
        private readonly DirectoryFixture _fixture;

        public DirectoryCertificateSourceTests(DirectoryFixture fixture) => _fixture = fixture;

        private void SkipWithoutSlapd() => Skip.If(_fixture.WhyUnavailable != null, "No test directory: " + _fixture.WhyUnavailable);

        private string Thumbprint(string user) => _fixture.Pki.Users[user].Thumbprint;

        [SkippableFact]
        public void AnonymousSearchByMailReturnsEveryCertificateOfTheEntry()
        {
            SkipWithoutSlapd();
            using var directory = _fixture.Plain();
            var found = directory.FindByAddress("Alice@Example.com");
            Assert.Equal(new[] { Thumbprint("rsa2048"), Thumbprint("renewed") }.OrderBy(t => t), found.Select(e => e.Certificate.Thumbprint).OrderBy(t => t));
            Assert.All(found, e => Assert.Equal($"ldap://127.0.0.1:{_fixture.Server!.LdapPort}/ou=people,dc=example,dc=com", e.Source));
            Assert.All(found, e => Assert.Equal(KeyLocation.None, e.KeyLocation));
        }

        [SkippableFact]
        public void ProtectionPartiesAskTheDirectoryOnlyForRecipientsTheStoresLack()
        {
            SkipWithoutSlapd();
            var notes = new List<string>();
            var store = new CertificateCollectionSource(new[] { new CertificateEntry(_fixture.Pki.Users["p256"].GetCertificate(), null, "address book") }, "address book");
            using var parties = new ProtectionParties(() => new[] { store })
            {
                Directories = new[] { new DirectoryLocation(LdapUrl.Parse(_fixture.Server!.LdapUri)) },
                DirectoryCacheLifetime = TimeSpan.Zero,
                Note = notes.Add,
            };
            Assert.Equal(Thumbprint("p256"), parties.RecipientFor("carol@example.com").Thumbprint);
            Assert.DoesNotContain(notes, n => n.Contains("Asking the directories", StringComparison.Ordinal));

            Assert.Equal(Thumbprint("rsa3072"), parties.RecipientFor("bob@example.com").Thumbprint);
            Assert.Contains(notes, n => n.Contains("Asking the directories", StringComparison.Ordinal));
            Assert.Equal(ErrorIds.NoMatchingCertificate, Assert.Throws<SmimeException>(() => parties.RecipientFor("nobody@example.com")).ErrorId);
        }

        [SkippableFact]
        public void UserSmimeCertificateIsReadAsPkcs7AndItsChainIsLeftOut()
        {
            SkipWithoutSlapd();
            using var directory = _fixture.Plain();
            var found = Assert.Single(directory.FindByAddress("bob@example.com"));
            Assert.Equal(Thumbprint("rsa3072"), found.Certificate.Thumbprint);
        }

        [SkippableFact]
        public void ProxyAddressesFindAnEntryWhoseMailIsAnotherAddress()
        {
            SkipWithoutSlapd();
            using var directory = _fixture.Plain();
            Assert.Equal(Thumbprint("p256"), Assert.Single(directory.FindByAddress("carol@example.com")).Certificate.Thumbprint);
        }

        [SkippableFact]
        public void AnUnknownAddressAndAnEntryWithoutCertificatesAreDifferentErrors()
        {
            SkipWithoutSlapd();
            using var directory = _fixture.Plain();
            var none = Assert.Throws<SmimeException>(() => directory.FindByAddress("nobody@example.com"));
            Assert.Equal(ErrorIds.DirectoryEntryNotFound, none.ErrorId);
            Assert.Contains("nobody@example.com", none.Message, StringComparison.Ordinal);
            Assert.Contains(directory.Location.Display, none.Message, StringComparison.Ordinal);

            var empty = Assert.Throws<SmimeException>(() => directory.FindByAddress("nocert@example.com"));
            Assert.Equal(ErrorIds.DirectoryEntryWithoutCertificate, empty.ErrorId);
            Assert.Contains("uid=nocert", empty.Message, StringComparison.Ordinal);
        }

        [SkippableFact]
        public void AnAddressCannotInjectFilterSyntax()
        {
            SkipWithoutSlapd();
            Assert.Equal(@"(|(mail=x\2a\29\28mail=\2a@example.com)(proxyAddresses=smtp:x\2a\29\28mail=\2a@example.com))",
                DirectoryCertificateSource.AddressFilter("x*)(mail=*@example.com").ToString());
            using var directory = _fixture.Plain();
            Assert.Equal(ErrorIds.DirectoryEntryNotFound, Assert.Throws<SmimeException>(() => directory.FindByAddress("*")).ErrorId);
        }

        [SkippableFact]
        public void TheQueryFiltersWhatTheDirectoryReturns()
        {
            SkipWithoutSlapd();
            using var directory = _fixture.Plain();
            var problems = new List<SmimeException>();
            var valid = directory.Find(new CertificateQuery { Emails = new[] { "expired@example.com", "alice@example.com", "nocert@example.com" }, Valid = true }, problems.Add).ToList();
            Assert.Equal(2, valid.Count);
            Assert.DoesNotContain(valid, e => e.Certificate.Thumbprint == Thumbprint("expired"));
            Assert.Equal(ErrorIds.DirectoryEntryWithoutCertificate, Assert.Single(problems).ErrorId);
        }

        [SkippableFact]
        public void RecipientsResolveToTheNewestUsableCertificateAndExpiredOnesAreRefused()
        {
            SkipWithoutSlapd();
            using var directory = _fixture.Plain();
            var resolver = new DirectoryRecipientResolver(new[] { directory });
            var alice = resolver.Resolve("alice@example.com");
            Assert.Equal(Thumbprint("renewed"), alice.Chosen.Certificate.Thumbprint);
            Assert.Equal(directory.Location.Display, alice.Chosen.Source);

            var expired = Assert.Throws<SmimeException>(() => resolver.Resolve("expired@example.com"));
            Assert.Equal(ErrorIds.NoMatchingCertificate, expired.ErrorId);
            using var expiredCertificate = _fixture.Pki.Users["expired"].GetCertificate();
            Assert.Contains(CertificateQuery.Format(expiredCertificate.NotAfter), expired.Message, StringComparison.Ordinal);
        }

        [SkippableFact]
        public void AnUnreachableDirectoryIsNotMistakenForAnUnknownAddress()
        {
            SkipWithoutSlapd();
            int port = ClosedPort();
            using var directory = new DirectoryCertificateSource(new DirectoryLocation(LdapUrl.Parse($"ldap://127.0.0.1:{port}/dc=example,dc=com")));
            var failure = Assert.Throws<SmimeException>(() => new DirectoryRecipientResolver(new[] { directory }).Resolve("alice@example.com"));
            Assert.Equal(ErrorIds.DirectoryUnavailable, failure.ErrorId);
            Assert.Contains($"127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
        }

        [SkippableFact]
        public void LdapsAndStartTlsWorkWithTheTestRootAndFailWithoutIt()
        {
            SkipWithoutSlapd();
            using (var tls = _fixture.Tls())
            {
                Assert.Equal(2, tls.FindByAddress("alice@example.com").Count);
            }

            using (var startTls = _fixture.StartTls(_fixture.Admin))
            {
                Assert.Equal(2, startTls.FindByAddress("alice@example.com").Count);
                Assert.Equal(LdapSecurity.StartTls, startTls.Connection().Security);
                Assert.Equal(global::SmimeTools.TestPki.TestDirectoryServer.AdminDn, startTls.Connection().BoundAs);
            }

            using var untrusted = new DirectoryCertificateSource(new DirectoryLocation(LdapUrl.Parse(_fixture.Server!.LdapsUri)));
            var failure = Assert.Throws<SmimeException>(() => untrusted.FindByAddress("alice@example.com"));
            Assert.Equal(ErrorIds.DirectoryTlsFailed, failure.ErrorId);
            Assert.Contains("localhost", failure.Message, StringComparison.Ordinal);
        }

        [SkippableFact]
        public void PlainLdapToTheTlsPortAndTlsToThePlainPortFailClearly()
        {
            SkipWithoutSlapd();
            var options = new LdapConnectionOptions { TrustedRoots = new[] { _fixture.Root }, Timeout = TimeSpan.FromSeconds(5) };
            using var tlsToPlain = new DirectoryCertificateSource(new DirectoryLocation(LdapUrl.Parse($"ldaps://127.0.0.1:{_fixture.Server!.LdapPort}/"), options));
            Assert.Equal(ErrorIds.DirectoryTlsFailed, Assert.Throws<SmimeException>(() => tlsToPlain.FindByAddress("alice@example.com")).ErrorId);
        }

        [SkippableFact]
        public void BindsWithGoodBadAndUnencryptedCredentials()
        {
            SkipWithoutSlapd();
            var bad = new NetworkCredential(global::SmimeTools.TestPki.TestDirectoryServer.AdminDn, "wrong password");
            using (var directory = _fixture.Tls(bad))
            {
                var failure = Assert.Throws<SmimeException>(() => directory.FindByAddress("alice@example.com"));
                Assert.Equal(ErrorIds.DirectoryBindFailed, failure.ErrorId);
                Assert.Contains("invalidCredentials", failure.Message, StringComparison.Ordinal);
                Assert.Contains(global::SmimeTools.TestPki.TestDirectoryServer.AdminDn, failure.Message, StringComparison.Ordinal);
            }

            using (var directory = _fixture.Tls(new NetworkCredential(global::SmimeTools.TestPki.TestDirectoryServer.AdminDn, string.Empty)))
            {
                Assert.Equal(ErrorIds.DirectoryBindFailed, Assert.Throws<SmimeException>(() => directory.FindByAddress("alice@example.com")).ErrorId);
            }

            using (var directory = _fixture.Plain(new LdapConnectionOptions { Credential = _fixture.Admin }))
            {
                Assert.Equal(ErrorIds.DirectoryBindNotEncrypted, Assert.Throws<SmimeException>(() => directory.FindByAddress("alice@example.com")).ErrorId);
            }

            using (var directory = _fixture.Tls(_fixture.Admin))
            {
                Assert.Equal(2, directory.FindByAddress("alice@example.com").Count);
            }
        }

        [SkippableFact]
        public void AServerThatNeverAnswersTimesOutInsteadOfHanging()
        {
            SkipWithoutSlapd();
            using var silent = new TcpListener(IPAddress.Loopback, 0);
            silent.Start();
            int port = ((IPEndPoint)silent.LocalEndpoint).Port;
            var options = new LdapConnectionOptions { Timeout = TimeSpan.FromSeconds(1), TrustedRoots = new[] { _fixture.Root } };
            foreach (var scheme in new[] { "ldap", "ldaps" })
            {
                using var directory = new DirectoryCertificateSource(new DirectoryLocation(LdapUrl.Parse($"{scheme}://127.0.0.1:{port}/dc=example,dc=com"), options));
                var failure = Assert.Throws<SmimeException>(() => directory.FindByAddress("alice@example.com"));
                Assert.Equal(ErrorIds.DirectoryTimeout, failure.ErrorId);
                Assert.Contains($"127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
            }
        }

        [SkippableFact]
        public void CancellationStopsAWaitingSearch()
        {
            SkipWithoutSlapd();
            using var silent = new TcpListener(IPAddress.Loopback, 0);
            silent.Start();
            int port = ((IPEndPoint)silent.LocalEndpoint).Port;
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            using var directory = new DirectoryCertificateSource(
                new DirectoryLocation(LdapUrl.Parse($"ldap://127.0.0.1:{port}/"), new LdapConnectionOptions { Timeout = TimeSpan.FromMinutes(5) }), cancel.Token);
            Assert.ThrowsAny<OperationCanceledException>(() => directory.FindByAddress("alice@example.com"));
        }

        [SkippableFact]
        public void PagesAreFollowedAndTheSizeLimitCutsTheSearchShort()
        {
            SkipWithoutSlapd();
            using var unpaged = _fixture.Plain(new LdapConnectionOptions { PageSize = 1000 });
            using var paged = _fixture.Plain(new LdapConnectionOptions { PageSize = 1 });
            var all = unpaged.Read().Select(e => e.Certificate.Thumbprint).OrderBy(t => t).ToList();
            Assert.Equal(all, paged.Read().Select(e => e.Certificate.Thumbprint).OrderBy(t => t).ToList());
            Assert.Contains(Thumbprint("p256"), all);
            Assert.Equal(5, all.Count); // alice 2, bob 1, carol 1, expired 1 below ou=people (the CA is below ou=ca)

            var notes = new List<string>();
            using var limited = _fixture.Plain(new LdapConnectionOptions { SizeLimit = 2, PageSize = 1 });
            limited.Note = notes.Add;
            var result = limited.Search(LdapFilter.Present("mail"));
            Assert.Equal(2, result.Entries.Count);
            Assert.Contains("size limit of 2", result.Truncation, StringComparison.Ordinal);
            Assert.Contains(notes, n => n.Contains("cut short", StringComparison.Ordinal));

            using var serverLimited = _fixture.Plain(new LdapConnectionOptions { SizeLimit = 3, PageSize = 1000 });
            Assert.Equal(3, serverLimited.Search(LdapFilter.Present("mail")).Entries.Count);
        }

        [SkippableFact]
        public void AnswersAreCachedForTheirLifetime()
        {
            SkipWithoutSlapd();
            var location = new DirectoryLocation(LdapUrl.Parse(_fixture.Server!.LdapUri));
            DirectoryLookupCache.Forget(location);
            using var cached = new DirectoryCertificateSource(location) { CacheLifetime = TimeSpan.FromMinutes(5) };
            Assert.Equal(ErrorIds.DirectoryEntryWithoutCertificate, Assert.Throws<SmimeException>(() => cached.FindByAddress("erin@example.com")).ErrorId);

            // Change the entry behind the cache's back.
            using (var admin = _fixture.Tls(_fixture.Admin))
            {
                admin.Connection().Modify("uid=erin," + global::SmimeTools.TestPki.TestDirectoryServer.PeopleDn,
                    new[] { (LdapModification.Add, "userCertificate;binary", (IReadOnlyList<byte[]>)new[] { _fixture.Pki.Users["x25519"].GetCertificate().RawData }) });
            }

            try
            {
                Assert.Equal(ErrorIds.DirectoryEntryWithoutCertificate, Assert.Throws<SmimeException>(() => cached.FindByAddress("erin@example.com")).ErrorId);
                using var fresh = new DirectoryCertificateSource(location) { CacheLifetime = TimeSpan.Zero };
                Assert.Equal(Thumbprint("x25519"), Assert.Single(fresh.FindByAddress("erin@example.com")).Certificate.Thumbprint);
            }
            finally
            {
                using var admin = _fixture.Tls(_fixture.Admin);
                admin.Connection().Modify("uid=erin," + global::SmimeTools.TestPki.TestDirectoryServer.PeopleDn,
                    new[] { (LdapModification.Delete, "userCertificate;binary", (IReadOnlyList<byte[]>)Array.Empty<byte[]>()) });
                DirectoryLookupCache.Forget(location);
            }
        }

        [SkippableFact]
        public void AWrongBaseDnSaysSo()
        {
            SkipWithoutSlapd();
            using var directory = new DirectoryCertificateSource(new DirectoryLocation(LdapUrl.Parse($"ldap://127.0.0.1:{_fixture.Server!.LdapPort}/ou=nowhere,dc=example,dc=com")));
            var failure = Assert.Throws<SmimeException>(() => directory.FindByAddress("alice@example.com"));
            Assert.Equal(ErrorIds.DirectoryOperationFailed, failure.ErrorId);
            Assert.Contains("ou=nowhere", failure.Message, StringComparison.Ordinal);
        }

        private static int ClosedPort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
