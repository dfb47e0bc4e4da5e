using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Enrolment.Scep;
using Xunit;

namespace SmimeTools.Tests.Enrolment
{
    /// <summary>The SCEP client against a real micromdm scepserver 2.1.0: capabilities, CA certificate, PKCSReq, RenewalReq, FAILURE.</summary>
    [Collection(ScepServerCollection.Name)]
    public sealed class ScepClientTests
    {
        private readonly ScepServerFixture _server;

        public ScepClientTests(ScepServerFixture server) => _server = server;

        [SkippableFact]
        public void GetCapabilities_ReadsWhatScepserverOffers()
        {
            Skip.If(_server.WhyUnavailable != null, _server.WhyUnavailable);
            using var client = new ScepClient(_server.Url);
            var caps = client.GetCapabilities();
            Assert.True(caps.Aes);
            Assert.True(caps.PostPkiOperation);
            Assert.True(caps.Sha256);
            Assert.True(caps.Renewal);
            Assert.Equal(Engine.Policy.ContentEncryptionAlgorithm.Aes128Cbc, caps.ContentEncryption);
        }

        [SkippableFact]
        public void GetCaCertificates_IsTheDepotCaWithoutRa()
        {
            Skip.If(_server.WhyUnavailable != null, _server.WhyUnavailable);
            using var client = new ScepClient(_server.Url);
            var ca = client.GetCaCertificates();
            Assert.Equal(_server.CaCertificate!.Thumbprint, ca.CaCertificate.Thumbprint);
            Assert.Same(ca.CaCertificate, ca.EncryptionCertificate);
            Assert.Same(ca.CaCertificate, ca.SigningCertificate);
            Assert.False(ca.HasRegistrationAuthority);
        }

        [SkippableFact]
        public void Enrol_WithEncryptedKeyFile_IssuesTheCertificateForTheRequestsKey()
        {
            Skip.If(_server.WhyUnavailable != null, _server.WhyUnavailable);
            var (pem, key) = ScepTestRequests.Make("Scep Alice", "alice@example.com");
            var keyFile = ScepTestRequests.WriteKeyFile(key, _server.Folder, "alice");
            using var client = new ScepClient(_server.Url);
            var result = client.Enrol(new ScepEnrolmentRequest
            {
                Request = Encoding.ASCII.GetBytes(pem),
                Key = ScepRequestKey.FromFile(keyFile, ScepTestRequests.Secure(ScepTestRequests.KeyPassword)),
                Challenge = ScepTestRequests.Secure(ScepServerFixture.Challenge),
            });

            Assert.True(result.Status == ScepEnrolmentStatus.Issued, $"{result.Status}: {result.Message}\n{_server.Log}");
            var certificate = result.Certificate!;
            Assert.Equal(key.ExportSubjectPublicKeyInfo(), certificate.PublicKey.ExportSubjectPublicKeyInfo());
            Assert.Equal(_server.CaCertificate!.Subject, certificate.Issuer);
            Assert.Equal(_server.CaCertificate.Thumbprint, result.CaCertificate!.Thumbprint);
            Assert.Contains("CN=Scep Alice", certificate.Subject, StringComparison.Ordinal);
            Assert.Equal(ScepTestRequests.TransactionIdOf(key), result.TransactionId);
            Assert.Equal("PKCSReq", result.MessageType);
            Assert.StartsWith("AES-128-CBC", result.Algorithms, StringComparison.Ordinal);
            AssertIssuedBy(certificate, _server.CaCertificate);
        }

        [SkippableFact]
        public void Enrol_WithWrongChallenge_IsRefusedByTheCa()
        {
            Skip.If(_server.WhyUnavailable != null, _server.WhyUnavailable);
            var (pem, key) = ScepTestRequests.Make("Scep Mallory", "mallory@example.com");
            var keyFile = ScepTestRequests.WriteKeyFile(key, _server.Folder, "mallory");
            using var client = new ScepClient(_server.Url);
            var result = client.Enrol(new ScepEnrolmentRequest
            {
                Request = Encoding.ASCII.GetBytes(pem),
                Key = ScepRequestKey.FromFile(keyFile, ScepTestRequests.Secure(ScepTestRequests.KeyPassword)),
                Challenge = ScepTestRequests.Secure("not-the-challenge"),
            });

            Assert.Equal(ScepEnrolmentStatus.Failed, result.Status);
            Assert.Null(result.Certificate);
            Assert.NotNull(result.FailInfo);
        }

        [SkippableFact]
        public void Enrol_WithAnotherKey_IsKeyMismatchBeforeAnythingIsSent()
        {
            Skip.If(_server.WhyUnavailable != null, _server.WhyUnavailable);
            var (pem, _) = ScepTestRequests.Make("Scep Bob", "bob@example.com");
            var (_, other) = ScepTestRequests.Make("Scep Other", "other@example.com", keySlot: 1);
            var keyFile = ScepTestRequests.WriteKeyFile(other, _server.Folder, "other");
            using var client = new ScepClient(_server.Url);
            var e = Assert.Throws<SmimeException>(() => client.Enrol(new ScepEnrolmentRequest
            {
                Request = Encoding.ASCII.GetBytes(pem),
                Key = ScepRequestKey.FromFile(keyFile, ScepTestRequests.Secure(ScepTestRequests.KeyPassword)),
            }));
            Assert.Equal(ErrorIds.EnrolmentKeyMismatch, e.ErrorId);
        }

        [SkippableFact]
        public void Renew_SignedWithTheIssuedIdentity_IssuesANewCertificate()
        {
            Skip.If(_server.WhyUnavailable != null, _server.WhyUnavailable);
            var (pem, key) = ScepTestRequests.Make("Scep Carol", "carol@example.com");
            var keyFile = ScepTestRequests.WriteKeyFile(key, _server.Folder, "carol");
            using var client = new ScepClient(_server.Url);
            var first = client.Enrol(new ScepEnrolmentRequest
            {
                Request = Encoding.ASCII.GetBytes(pem),
                Key = ScepRequestKey.FromFile(keyFile, ScepTestRequests.Secure(ScepTestRequests.KeyPassword)),
                Challenge = ScepTestRequests.Secure(ScepServerFixture.Challenge),
            });
            Assert.True(first.Status == ScepEnrolmentStatus.Issued, $"{first.Status}: {first.Message}");

            // The renewal asks for a new key, signed with the current certificate and its key; scepserver 2.1.0 wants the
            // challenge in renewals too, so it is in the new request already (this client cannot add it without the new key).
            var identity = new Engine.Keys.DotNetKeyReference(first.Certificate!.CopyWithPrivateKey(key), Engine.Keys.KeyLocation.File);
            var (renewalPem, newKey) = ScepTestRequests.Make("Scep Carol", "carol@example.com", ScepServerFixture.Challenge, keySlot: 1);
            var renewed = client.Enrol(new ScepEnrolmentRequest
            {
                Request = Encoding.ASCII.GetBytes(renewalPem),
                Key = ScepRequestKey.FromIdentity(identity, null),
            });

            Assert.True(renewed.Status == ScepEnrolmentStatus.Issued, $"{renewed.Status}: {renewed.Message}\n{_server.Log}");
            Assert.Equal("RenewalReq", renewed.MessageType);
            Assert.Equal(newKey.ExportSubjectPublicKeyInfo(), renewed.Certificate!.PublicKey.ExportSubjectPublicKeyInfo());
            Assert.NotEqual(first.Certificate!.SerialNumber, renewed.Certificate.SerialNumber);
        }

        [SkippableFact]
        public void Enrol_AgainstAClosedPort_IsServerUnavailableNamingTheUrl()
        {
            var url = new Uri($"http://127.0.0.1:{ScepServerFixture.FreePort()}/scep");
            using var client = new ScepClient(url);
            var e = Assert.Throws<SmimeException>(() => client.GetCapabilities());
            Assert.Equal(ErrorIds.EnrolmentServerUnavailable, e.ErrorId);
            Assert.Contains(url.ToString(), e.Message, StringComparison.Ordinal);
        }

        internal static void AssertIssuedBy(X509Certificate2 certificate, X509Certificate2 ca)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreWrongUsage;
            Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        }
    }
}
