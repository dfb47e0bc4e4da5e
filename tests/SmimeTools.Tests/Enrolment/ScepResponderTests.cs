using System;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Enrolment.Scep;
using Xunit;

namespace SmimeTools.Tests.Enrolment
{
    /// <summary>
    /// The SCEP paths scepserver 2.1.0 cannot show, against <see cref="ScepTestResponder"/> (a loopback responder built on
    /// .NET's SignedCms/EnvelopedCms with its own CA): PENDING and CertPoll, an RA chain, FAILURE with failInfoText, a
    /// server without POST and AES, and replies the client must refuse.
    /// </summary>
    public sealed class ScepResponderTests : IDisposable
    {
        private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("smimetools-scep-responder-").FullName;

        public void Dispose() => System.IO.Directory.Delete(_folder, recursive: true);

        [Fact]
        public void Pending_IsPolledWithCertPollUntilIssued()
        {
            using var responder = new ScepTestResponder { PendingPolls = 2 };
            var (request, key) = Request("Poll Alice", "poll-alice@example.com");
            var result = Enrol(responder, request, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(20));

            Assert.Equal(ScepEnrolmentStatus.Issued, result.Status);
            Assert.Equal(2, result.Polls);
            Assert.Equal("20", responder.LastMessageType);
            Assert.Equal(key.ExportSubjectPublicKeyInfo(), result.Certificate!.PublicKey.ExportSubjectPublicKeyInfo());

            // CertPoll carries IssuerAndSubject: the CA's name and the request's subject (RFC 8894 §3.3.3).
            var expected = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            using (expected.PushSequence())
            {
                expected.WriteEncodedValue(responder.Ca.SubjectName.RawData);
                expected.WriteEncodedValue(new X500DistinguishedName("CN=Poll Alice, O=SmimeTools Test").RawData);
            }

            Assert.Equal(expected.Encode(), responder.LastPollData);
        }

        [Fact]
        public void Pending_BeyondTheTimeout_IsAPendingResult()
        {
            using var responder = new ScepTestResponder { PendingPolls = 1000 };
            var (request, _) = Request("Poll Bob", "poll-bob@example.com");
            var waited = Enrol(responder, request, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300));
            Assert.Equal(ScepEnrolmentStatus.Pending, waited.Status);
            Assert.InRange(waited.Polls, 1, 6);
            Assert.Null(waited.Certificate);

            var atOnce = Enrol(responder, request, TimeSpan.FromMilliseconds(50), TimeSpan.Zero);
            Assert.Equal(ScepEnrolmentStatus.Pending, atOnce.Status);
            Assert.Equal(0, atOnce.Polls);
            Assert.Equal(waited.TransactionId, atOnce.TransactionId);
        }

        [Fact]
        public void Failure_CarriesFailInfoAndTheCasText()
        {
            using var responder = new ScepTestResponder { FailInfo = 2, FailInfoText = "Subject not allowed here" };
            var (request, _) = Request("Fail Carol", "fail-carol@example.com");
            var result = Enrol(responder, request, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5));
            Assert.Equal(ScepEnrolmentStatus.Failed, result.Status);
            Assert.Equal(ScepFailInfo.BadRequest, result.FailInfo);
            Assert.Equal("Subject not allowed here", result.Message);
        }

        [Fact]
        public void RaChain_EncryptsToTheRaAndAcceptsItsSignature()
        {
            using var responder = new ScepTestResponder(withRa: true);
            using var client = new ScepClient(responder.Url);
            var ca = client.GetCaCertificates();
            Assert.True(ca.HasRegistrationAuthority);
            Assert.Equal(responder.Ca.Thumbprint, ca.CaCertificate.Thumbprint);
            Assert.Equal(responder.Ra!.Thumbprint, ca.EncryptionCertificate.Thumbprint);
            Assert.Equal(responder.Ra.Thumbprint, ca.SigningCertificate.Thumbprint);

            var (request, _) = Request("Ra Dave", "ra-dave@example.com");
            var result = Enrol(responder, request, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5));
            Assert.Equal(ScepEnrolmentStatus.Issued, result.Status);
            Assert.Equal(responder.Ra.SerialNumber, responder.LastRecipientSerial);
            ScepClientTests.AssertIssuedBy(result.Certificate!, X509CertificateLoader.LoadCertificate(responder.Ca.RawData));
        }

        [Fact]
        public void ServerWithoutPostAndAes_GetsGetWithTripleDesAndSha1()
        {
            using var responder = new ScepTestResponder(capabilities: "Renewal");
            var (request, _) = Request("Old Erin", "old-erin@example.com");

            // Weak algorithms only when allowed, as for every new message: refused before anything is sent.
            var refused = Assert.Throws<SmimeException>(() => Enrol(responder, request, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5)));
            Assert.Equal(ErrorIds.WeakAlgorithm, refused.ErrorId);
            Assert.Null(responder.LastMethod);

            var result = Enrol(responder, request, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5), allowWeak: true);
            Assert.Equal(ScepEnrolmentStatus.Issued, result.Status);
            Assert.Equal("GET", responder.LastMethod);
            Assert.Equal("1.2.840.113549.3.7", responder.LastContentEncryption);
            Assert.Equal("1.3.14.3.2.26", responder.LastDigest);
            Assert.StartsWith("3DES", result.Algorithms, StringComparison.Ordinal);

            using var modern = new ScepTestResponder();
            Enrol(modern, Request("New Erin", "new-erin@example.com").Request, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5));
            Assert.Equal("POST", modern.LastMethod);
            Assert.Equal("2.16.840.1.101.3.4.1.2", modern.LastContentEncryption);
            Assert.Equal("2.16.840.1.101.3.4.2.1", modern.LastDigest);
        }

        [Theory]
        [InlineData(true, false)]
        [InlineData(false, true)]
        public void ForeignOrReplayedReply_IsAProtocolError(bool wrongNonce, bool stranger)
        {
            using var responder = new ScepTestResponder { WrongRecipientNonce = wrongNonce, SignAsStranger = stranger };
            var (request, _) = Request("Replay Frank", "replay-frank@example.com");
            var e = Assert.Throws<SmimeException>(() => Enrol(responder, request, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5)));
            Assert.Equal(ErrorIds.EnrolmentProtocolError, e.ErrorId);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(2)]
        public void DamagedReplies_GiveOnlyEngineErrors(int failInfo)
        {
            // The reply is network input: truncated or bit-flipped, it must fail as an SmimeException, never otherwise.
            using var responder = new ScepTestResponder { FailInfo = failInfo == 0 ? null : failInfo };
            var (request, _) = Request("Damage Gus", "damage-gus@example.com");
            Enrol(responder, request, TimeSpan.FromMilliseconds(50), TimeSpan.Zero);
            var (reply, transactionId, nonce) = responder.LastReply!.Value;
            using var client = new ScepClient(responder.Url);
            var ca = client.GetCaCertificates();
            Assert.Equal(failInfo == 0 ? 0 : 2, ScepReply.Read(reply, ca, transactionId, nonce, "the reply").Status);

            var random = new Random(8894);
            for (int i = 0; i < 400; i++)
            {
                var damaged = (byte[])reply.Clone();
                if (i % 4 == 0)
                {
                    damaged = damaged.AsSpan(0, random.Next(damaged.Length)).ToArray();
                }
                else
                {
                    for (int flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        damaged[random.Next(damaged.Length)] ^= (byte)(1 << random.Next(8));
                    }
                }

                try
                {
                    ScepReply.Read(damaged, ca, transactionId, nonce, "the reply");
                }
                catch (SmimeException)
                {
                }
            }
        }

        [Fact]
        public void Challenge_ReplacesTheRequestsOwnAndTheRequestStillVerifies()
        {
            using var responder = new ScepTestResponder();
            var (pem, key) = ScepTestRequests.Make("Challenge Hal", "challenge-hal@example.com", "old-challenge");
            var keyFile = ScepTestRequests.WriteKeyFile(key, _folder, "challenge-hal");
            using var client = new ScepClient(responder.Url);
            var result = client.Enrol(new ScepEnrolmentRequest
            {
                Request = Encoding.ASCII.GetBytes(pem),
                Key = ScepRequestKey.FromFile(keyFile, ScepTestRequests.Secure(ScepTestRequests.KeyPassword)),
                Challenge = ScepTestRequests.Secure("new challenge, üñí"),
            });

            // The responder loaded the CSR with .NET, which checks its signature: the request was signed again.
            Assert.Equal(ScepEnrolmentStatus.Issued, result.Status);
            Assert.Equal(new[] { "new challenge, üñí" }, responder.LastChallenges);
        }

        [Theory]
        [InlineData("POSTPKIOperation\nAES\nSHA-256\nRenewal", "17", "RenewalReq")]
        [InlineData("POSTPKIOperation\nAES\nSHA-256", "19", "PKCSReq")]
        public void Renewal_IsRenewalReqOnlyWhenTheServerListsRenewal(string capabilities, string sent, string reported)
        {
            using var responder = new ScepTestResponder(capabilities: capabilities);
            var (first, key) = Request("Renew Ida", "renew-ida@example.com");
            var issued = Enrol(responder, first, TimeSpan.FromMilliseconds(50), TimeSpan.Zero);
            var identity = new Engine.Keys.DotNetKeyReference(issued.Certificate!.CopyWithPrivateKey(key), Engine.Keys.KeyLocation.File);
            var (renewalPem, newKey) = ScepTestRequests.Make("Renew Ida", "renew-ida@example.com", keySlot: 1);
            using var client = new ScepClient(responder.Url);
            var renewed = client.Enrol(new ScepEnrolmentRequest { Request = Encoding.ASCII.GetBytes(renewalPem), Key = ScepRequestKey.FromIdentity(identity, null) });

            Assert.Equal(ScepEnrolmentStatus.Issued, renewed.Status);
            Assert.Equal(sent, responder.LastMessageType);
            Assert.Equal(reported, renewed.MessageType);
            Assert.Equal(newKey.ExportSubjectPublicKeyInfo(), renewed.Certificate!.PublicKey.ExportSubjectPublicKeyInfo());
        }

        [Fact]
        public void HttpErrorStatus_IsServerUnavailableWithTheStatus()
        {
            using var responder = new ScepTestResponder { RefuseWithStatus = 503 };
            var (request, _) = Request("Refused Jo", "refused-jo@example.com");
            var e = Assert.Throws<SmimeException>(() => Enrol(responder, request, TimeSpan.FromMilliseconds(50), TimeSpan.Zero));
            Assert.Equal(ErrorIds.EnrolmentServerUnavailable, e.ErrorId);
            Assert.Contains("503", e.Message, StringComparison.Ordinal);
            Assert.Contains(responder.Url.ToString(), e.Message, StringComparison.Ordinal);
        }

        private (ScepEnrolmentRequest Request, System.Security.Cryptography.RSA Key) Request(string name, string email)
        {
            var (pem, key) = ScepTestRequests.Make(name, email);
            var keyFile = ScepTestRequests.WriteKeyFile(key, _folder, name.Replace(' ', '-'));
            return (new ScepEnrolmentRequest
            {
                Request = Encoding.ASCII.GetBytes(pem),
                Key = ScepRequestKey.FromFile(keyFile, ScepTestRequests.Secure(ScepTestRequests.KeyPassword)),
            }, key);
        }

        private static ScepEnrolmentResult Enrol(ScepTestResponder responder, ScepEnrolmentRequest request, TimeSpan interval, TimeSpan timeout, bool allowWeak = false)
        {
            using var client = new ScepClient(responder.Url);
            return client.Enrol(new ScepEnrolmentRequest { Request = request.Request, Key = request.Key, PollInterval = interval, Timeout = timeout, AllowWeakAlgorithm = allowWeak });
        }
    }
}
