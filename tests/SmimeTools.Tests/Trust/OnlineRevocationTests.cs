using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;
using SmimeTools.Engine.Trust;
using Xunit;
using Pki = global::SmimeTools.TestPki.TestPki;

namespace SmimeTools.Tests.Trust
{
    /// <summary>
    /// <see cref="RevocationMode.Online"/> against servers on 127.0.0.1: the test PKI made with its CRL distribution points on
    /// a loopback HTTP server, an OCSP responder for a small CA, a server that never answers, oversize answers and
    /// schemes that are not fetched. No timing is asserted; timeouts are only shown to end the wait.
    /// </summary>
    public sealed class OnlineRevocationTests : IClassFixture<OnlineRevocationTests.Servers>
    {
        private readonly Servers _servers;

        public OnlineRevocationTests(Servers servers) => _servers = servers;

        [Fact]
        public void CrlDistributionPointsAreFetched()
        {
            var result = ValidateTestPkiUser("rsa2048", RevocationMode.Online);
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            Assert.Equal(2, result.RevocationChecks.Count);
            Assert.All(result.RevocationChecks, check =>
            {
                Assert.Equal(RevocationStatus.Good, check.Status);
                Assert.True(check.FetchedOnline);
                Assert.StartsWith(_servers.Http.BaseUri.AbsoluteUri, check.Source!.Split('(').Last(), StringComparison.Ordinal);
            });
        }

        [Fact]
        public void TheRevokedUserIsFoundOnline()
        {
            var result = ValidateTestPkiUser("revoked", RevocationMode.Online);
            Assert.Equal(TrustProblemCode.Revoked, result.Status);
            Assert.Equal(RevocationReason.KeyCompromise, result.Problems[0].RevocationReason);
            Assert.True(result.RevocationChecks[0].FetchedOnline);
        }

        [Fact]
        public void OfflineDoesNotFetch()
        {
            var result = ValidateTestPkiUser("rsa2048", RevocationMode.Offline);
            Assert.Equal(TrustProblemCode.RevocationUnknown, result.Status);
            Assert.DoesNotContain(result.RevocationChecks, c => c.FetchedOnline);
            Assert.Contains(result.RevocationChecks[0].Notes, n => n.Contains("Online revocation checking was not asked for", StringComparison.Ordinal));
        }

        [Fact]
        public void OcspGoodAnswerMakesTheUserValid()
        {
            var user = _servers.Ca.IssueUser("ocsp-good", g => MiniCa.AddOcspResponder(g, _servers.Http.BaseUri + "ocsp"));
            var result = ValidateMini(user);
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            var check = Assert.Single(result.RevocationChecks);
            Assert.Equal(RevocationMethod.Ocsp, check.Method);
            Assert.True(check.FetchedOnline);
        }

        [Fact]
        public void OcspRevokedAnswerIsReportedWithItsReason()
        {
            var user = _servers.Ca.IssueUser("ocsp-revoked", g => MiniCa.AddOcspResponder(g, _servers.Http.BaseUri + "ocsp"));
            _servers.RevokedSerials.Add(user.SerialNumber);
            var result = ValidateMini(user);
            Assert.Equal(TrustProblemCode.Revoked, result.Status);
            Assert.Equal(RevocationReason.KeyCompromise, result.Problems[0].RevocationReason);
            Assert.Equal(RevocationMethod.Ocsp, result.RevocationChecks[0].Method);
        }

        [Fact]
        public void AForgedOcspAnswerIsNotBelieved()
        {
            var user = _servers.Ca.IssueUser("ocsp-forged", g => MiniCa.AddOcspResponder(g, _servers.Http.BaseUri + "ocsp-forged"));
            var result = ValidateMini(user);
            Assert.Equal(TrustProblemCode.RevocationUnknown, result.Status);
            Assert.Contains(result.Problems, p => p.Code == TrustProblemCode.InvalidSignature && !p.IsError);
        }

        [Fact]
        public void AServerThatNeverAnswersTimesOut()
        {
            using var silent = new SilentServer();
            var user = _servers.Ca.IssueUser("silent", g =>
            {
                MiniCa.AddOcspResponder(g, $"http://127.0.0.1:{silent.Port}/ocsp");
                MiniCa.AddCrlDistributionPoint(g, $"http://127.0.0.1:{silent.Port}/ca.crl");
            });
            var result = ValidateMini(user, options => options.OnlineTimeout = TimeSpan.FromMilliseconds(300));
            Assert.Equal(TrustProblemCode.RevocationUnknown, result.Status);
            var notes = result.RevocationChecks[0].Notes;
            Assert.Contains(notes, n => n.Contains("OCSP responder", StringComparison.Ordinal) && n.Contains("no answer within", StringComparison.Ordinal));
            Assert.Contains(notes, n => n.Contains("ca.crl", StringComparison.Ordinal) && n.Contains("no answer within", StringComparison.Ordinal));
        }

        [Fact]
        public void AnOversizeCrlIsRefused()
        {
            var user = _servers.Ca.IssueUser("huge", g => MiniCa.AddCrlDistributionPoint(g, _servers.Http.BaseUri + "huge.crl"));
            var e = Assert.Throws<SmimeTools.Engine.SmimeException>(() => ValidateMini(user, options => options.Limits = options.Limits with { MaximumCrlSize = 1024 * 1024 }));
            Assert.Equal(SmimeTools.Engine.ErrorIds.CrlTooLarge, e.ErrorId);
            Assert.Contains("huge.crl", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AFetchedCrlOfTheCaIsUsed()
        {
            var user = _servers.Ca.IssueUser("crl-user", g => MiniCa.AddCrlDistributionPoint(g, _servers.Http.BaseUri + "mini.crl"));
            var result = ValidateMini(user);
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            Assert.Equal(RevocationMethod.Crl, result.RevocationChecks[0].Method);
        }

        [Fact]
        public void LdapDistributionPointsAreLeftToAnLdapFetcher()
        {
            var user = _servers.Ca.IssueUser("ldap-user", g => MiniCa.AddCrlDistributionPoint(g, "ldap://127.0.0.1/cn=Mini%20CA?certificateRevocationList"));
            var result = ValidateMini(user);
            Assert.Equal(TrustProblemCode.RevocationUnknown, result.Status);
            Assert.Contains(result.RevocationChecks[0].Notes, n => n.Contains("ldap is not supported here", StringComparison.Ordinal));

            var fetcher = new RecordingFetcher(_servers.Ca.IssueCrl().GetEncoded());
            result = ValidateMini(user, options => options.Fetcher = fetcher);
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            Assert.Equal("ldap", Assert.Single(fetcher.Asked).Scheme);
        }

        [Fact]
        public void DirectoryDistributionPointsAreAskedOfTheEnginesLdapFetcherWhenAskedFor()
        {
            // Port 1 on loopback refuses at once: the LDAP fetcher tried, where the HTTP-only default does not.
            var user = _servers.Ca.IssueUser("ldap-refused", g => MiniCa.AddCrlDistributionPoint(g, "ldap://127.0.0.1:1/cn=Mini%20CA?certificateRevocationList"));
            var result = ValidateMini(user, options => options.ReadDirectoryDistributionPoints = true);
            Assert.Equal(TrustProblemCode.RevocationUnknown, result.Status);
            Assert.DoesNotContain(result.RevocationChecks[0].Notes, n => n.Contains("ldap is not supported here", StringComparison.Ordinal));

            var fetcher = new RecordingFetcher(_servers.Ca.IssueCrl().GetEncoded());
            result = ValidateMini(user, options =>
            {
                options.ReadDirectoryDistributionPoints = true;
                options.Fetcher = fetcher;
            });
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            Assert.Equal("ldap", Assert.Single(fetcher.Asked).Scheme);
        }

        [Fact]
        public void TheRequestBudgetIsKept()
        {
            var user = _servers.Ca.IssueUser("budget", g => MiniCa.AddCrlDistributionPoint(g, _servers.Http.BaseUri + "mini.crl"));
            var result = ValidateMini(user, options => options.MaxOnlineRequests = 0);
            Assert.Equal(TrustProblemCode.RevocationUnknown, result.Status);
            Assert.Contains(result.RevocationChecks[0].Notes, n => n.Contains("limit of 0 network requests", StringComparison.Ordinal));
        }

        private PathValidationResult ValidateTestPkiUser(string name, RevocationMode mode)
        {
            var options = new ValidationOptions { RevocationMode = mode };
            options.TrustedRoots.Add(_servers.Pki.Root.GetCertificate());
            return PathValidator.Validate(_servers.Pki.Users[name].GetCertificate(), new[] { _servers.Pki.Intermediate.GetCertificate() }, null, options);
        }

        private PathValidationResult ValidateMini(Org.BouncyCastle.X509.X509Certificate user, Action<ValidationOptions>? configure = null)
        {
            var options = new ValidationOptions { RevocationMode = RevocationMode.Online, OnlineTimeout = TimeSpan.FromSeconds(20) };
            options.TrustedRoots.Add(_servers.Ca.DotNet);
            configure?.Invoke(options);
            return PathValidator.Validate(MiniCa.ToDotNet(user), options);
        }

        /// <summary>A fetcher that answers every CRL request with one CRL, and remembers what it was asked.</summary>
        private sealed class RecordingFetcher : IRevocationFetcher
        {
            private readonly byte[] _crl;

            public RecordingFetcher(byte[] crl) => _crl = crl;

            public List<Uri> Asked { get; } = new();

            public byte[]? FetchCrl(Uri location, long maxBytes, System.Threading.CancellationToken cancellationToken)
            {
                Asked.Add(location);
                return _crl;
            }

            public byte[]? SendOcspRequest(Uri responder, byte[] request, long maxBytes, System.Threading.CancellationToken cancellationToken) => null;
        }

        /// <summary>The loopback server (CRLs of a test PKI made for it, an OCSP responder) shared by the tests of this class.</summary>
        public sealed class Servers : IDisposable
        {
            private readonly string _folder = Path.Combine(Path.GetTempPath(), "smimetools-online-" + Guid.NewGuid().ToString("N"));
            private readonly AsymmetricCipherKeyPair _forger = MiniCa.NewKey();

            public Servers()
            {
                Ca = MiniCa.Root("Mini Online CA");
                Http = new LoopbackServer(Answer);
                Pki = Pki.Create(_folder, Http.BaseUri);
            }

            internal LoopbackServer Http { get; }

            public Pki Pki { get; }

            internal MiniCa Ca { get; }

            public HashSet<BigInteger> RevokedSerials { get; } = new();

            public void Dispose()
            {
                Http.Dispose();
                try
                {
                    Directory.Delete(_folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }

            private (int, byte[]) Answer(string path, byte[] body)
            {
                switch (path)
                {
                    case "/ocsp":
                        return (200, Ocsp(body, Ca.Key.Private));
                    case "/ocsp-forged":
                        return (200, Ocsp(body, _forger.Private));
                    case "/mini.crl":
                        return (200, Ca.IssueCrl().GetEncoded());
                    case "/huge.crl":
                        return (200, new byte[3 * 1024 * 1024]);
                }

                string file = Path.Combine(_folder, path.TrimStart('/'));
                return File.Exists(file) && Path.GetDirectoryName(Path.GetFullPath(file)) == Path.GetFullPath(_folder)
                    ? (200, File.ReadAllBytes(file))
                    : (404, Array.Empty<byte>());
            }

            /// <summary>An OCSP answer naming the CA as responder, signed with <paramref name="key"/>.</summary>
            private byte[] Ocsp(byte[] body, AsymmetricKeyParameter key)
            {
                var request = new OcspReq(body);
                var generator = new BasicOcspRespGenerator(new RespID(Ca.Certificate.SubjectDN));
                foreach (var single in request.GetRequestList())
                {
                    var id = single.GetCertID();
                    CertificateStatus? status;
                    lock (RevokedSerials)
                    {
                        status = RevokedSerials.Contains(id.SerialNumber)
                            ? new RevokedStatus(DateTime.UtcNow.AddDays(-1), CrlReason.KeyCompromise)
                            : CertificateStatus.Good;
                    }

                    generator.AddResponse(id, status, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddHours(1), null);
                }

                var nonce = request.RequestExtensions?.GetExtension(OcspObjectIdentifiers.PkixOcspNonce);
                if (nonce != null)
                {
                    generator.SetResponseExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, Org.BouncyCastle.Asn1.X509.X509Extension>
                    {
                        [OcspObjectIdentifiers.PkixOcspNonce] = nonce,
                    }));
                }

                var basic = generator.Generate("SHA256WITHECDSA", key, null, DateTime.UtcNow);
                return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
            }
        }
    }
}
