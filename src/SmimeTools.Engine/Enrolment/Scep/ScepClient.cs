using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>
    /// A SCEP client (RFC 8894): GetCACaps and GetCACert over GET, PKCSReq, RenewalReq and CertPoll as POST (when the
    /// server says POSTPKIOperation) or GET with the base64 message. Requests are signed with a transient self-signed
    /// certificate for the request's key (or, to renew, with the current certificate), enveloped to the RA or CA, and
    /// every reply is checked: signature, transactionID and nonce.
    /// </summary>
    public sealed class ScepClient : IDisposable
    {
        private const string PkiMessageType = "application/x-pki-message";
        private const int MaxReplySize = 4 * 1024 * 1024;

        private readonly HttpClient _http;
        private readonly bool _ownsHttp;
        private ScepCapabilities? _capabilities;
        private ScepCaCertificates? _caCertificates;

        /// <summary>A client for the server at <paramref name="url"/> (the path the operations are asked of, such as http://ca.example/scep).</summary>
        public ScepClient(Uri url, HttpClient? http = null)
        {
            Url = url ?? throw new ArgumentNullException(nameof(url));
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new SmimeException(ErrorIds.EnrolmentServerUnavailable, SmimeErrorKind.InvalidArgument,
                    $"'{url}' is not an http:// or https:// URL.", "Give the SCEP server's URL, such as http://ca.example/scep.", url);
            }

            _ownsHttp = http == null;
            _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        }

        public Uri Url { get; }

        /// <summary>GetCACaps (RFC 8894 §3.5.1), asked once per client.</summary>
        public ScepCapabilities GetCapabilities(CancellationToken cancellationToken = default)
        {
            if (_capabilities == null)
            {
                var (body, _) = Get("GetCACaps", null, cancellationToken);
                _capabilities = ScepCapabilities.Parse(Encoding.UTF8.GetString(body));
            }

            return _capabilities;
        }

        /// <summary>GetCACert (RFC 8894 §4.2): the CA certificate alone, or CA and RA in a certs-only PKCS#7; asked once per client.</summary>
        public ScepCaCertificates GetCaCertificates(CancellationToken cancellationToken = default)
        {
            if (_caCertificates == null)
            {
                var (body, _) = Get("GetCACert", null, cancellationToken);
                _caCertificates = new ScepCaCertificates(ReadCaCertificates(body));
            }

            return _caCertificates;
        }

        /// <summary>
        /// Submits one request: PKCSReq (or RenewalReq for an identity), then CertPoll while the CA answers PENDING, until
        /// <see cref="ScepEnrolmentRequest.Timeout"/>. SUCCESS gives the certificate for the request's public key,
        /// FAILURE the failInfo. Transport problems throw EnrolmentServerUnavailable, replies that fail a check
        /// EnrolmentProtocolError; a refusal is a result (Failed), not an exception.
        /// </summary>
        public ScepEnrolmentResult Enrol(ScepEnrolmentRequest request, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(request);
            var what = request.Description ?? "The certificate request";
            var csr = ScepCertificationRequest.Parse(request.Request, what);
            var capabilities = GetCapabilities(cancellationToken);
            var ca = GetCaCertificates(cancellationToken);
            if (!request.AllowWeakAlgorithm && (!capabilities.Aes || capabilities.Digest == DigestAlgorithm.Sha1))
            {
                throw new SmimeException(ErrorIds.WeakAlgorithm, SmimeErrorKind.SecurityError,
                    $"The SCEP server {Url} lists {(capabilities.Aes ? "no SHA-256 or SHA-512" : "no AES")} in GetCACaps ({capabilities}), so {what} would go with the RFC 8894 fallback, {(capabilities.Aes ? string.Empty : "triple DES and ")}{(capabilities.Digest == DigestAlgorithm.Sha1 ? "SHA-1" : capabilities.Digest.ToString())}; nothing was sent.",
                    "Ask for the CA to offer AES and SHA-256, or allow the fallback knowingly with -AllowWeakAlgorithm.", Url.ToString());
            }

            bool renewal = request.Key.Identity != null;
            // A server without Renewal gets a PKCSReq signed with the current certificate (RFC 8894 §2.3 allows both).
            var type = renewal && capabilities.Renewal ? ScepMessageType.RenewalReq : ScepMessageType.PkcsReq;

            var (unsigned, tbs) = csr.PrepareTransient();
            using var key = request.Key.OpenFor(unsigned);
            X509Certificate2 signerCertificate;
            if (renewal)
            {
                signerCertificate = request.Key.Identity!.Certificate;
            }
            else
            {
                signerCertificate = csr.SignTransient(tbs, key, request.Key.Description);
            }

            if (request.Challenge != null)
            {
                if (renewal && !csr.IsFor(signerCertificate))
                {
                    throw new SmimeException(ErrorIds.EnrolmentKeyMismatch, SmimeErrorKind.InvalidArgument,
                        $"{what} is for a new key, so the challenge password cannot be added to it with the key of {request.Key.Description}.",
                        "Put the challenge password into the request when you make it, or renew without -Challenge.", what);
                }

                csr = csr.WithChallenge(request.Challenge, key, request.Key.Description);
            }

            var signer = new CertificateBoundKey(key, signerCertificate);
            var algorithms = $"{ContentCipherAlgorithm.ForEncryption(capabilities.ContentEncryption).Name}, {capabilities.Digest}";
            var reply = Exchange(type, csr.Der, csr, ca, capabilities, signer, what, cancellationToken);
            int polls = 0;
            var deadline = DateTime.UtcNow + request.Timeout;
            while (reply.Status == 3 && DateTime.UtcNow + request.PollInterval <= deadline)
            {
                Task.Delay(request.PollInterval, cancellationToken).GetAwaiter().GetResult();
                polls++;
                reply = Exchange(ScepMessageType.CertPoll, ScepMessageWriter.IssuerAndSubject(ca.CaCertificate, csr.Subject), csr, ca, capabilities, signer, what, cancellationToken);
            }

            var result = new Result(csr, Url, type, algorithms, polls, ca.CaCertificate);
            switch (reply.Status)
            {
                case 0:
                    var certificates = reply.Certificates(signer, $"{what} (reply from {Url})");
                    var issued = certificates.FirstOrDefault(csr.IsFor)
                        ?? throw ScepReply.Protocol($"{what} (reply from {Url})", $"the reply's {certificates.Count} certificate(s) include none for the request's public key");
                    return result.With(ScepEnrolmentStatus.Issued, issued, null, $"Issued by '{issued.Issuer}', serial {issued.SerialNumber}.");
                case 2:
                    return result.With(ScepEnrolmentStatus.Failed, null, reply.FailInfo, reply.FailInfoText ?? Explain(reply.FailInfo));
                default:
                    return result.With(ScepEnrolmentStatus.Pending, null, null,
                        polls == 0 && request.Timeout == TimeSpan.Zero
                            ? "The CA has not decided yet; submit the request again later (the transactionID stays the same)."
                            : $"The CA had not decided after {polls} poll(s) in {request.Timeout}; submit the request again later (the transactionID stays the same).");
            }
        }

        /// <summary>What a failInfo means, for a CA that sends no failInfoText.</summary>
        public static string Explain(ScepFailInfo? failInfo) => failInfo switch
        {
            ScepFailInfo.BadAlg => "The CA does not accept the algorithms of the request (badAlg).",
            ScepFailInfo.BadMessageCheck => "The CA could not verify the request's signature (badMessageCheck).",
            ScepFailInfo.BadRequest => "The CA does not permit this request (badRequest): often a wrong or missing challenge password, or a subject it refuses.",
            ScepFailInfo.BadTime => "The request's signing time is too far from the CA's clock (badTime); check this computer's clock.",
            ScepFailInfo.BadCertId => "The CA found no certificate matching the request (badCertId).",
            _ => "The CA refused the request without a reason this client knows.",
        };

        public void Dispose()
        {
            if (_ownsHttp)
            {
                _http.Dispose();
            }
        }

        private ScepReply Exchange(ScepMessageType type, byte[] messageData, ScepCertificationRequest csr, ScepCaCertificates ca, ScepCapabilities capabilities,
            CertificateBoundKey signer, string what, CancellationToken cancellationToken)
        {
            var nonce = RandomNumberGenerator.GetBytes(16);
            var message = ScepMessageWriter.Write(type, csr.TransactionId, nonce, messageData, ca.EncryptionCertificate, capabilities, signer);
            byte[] body;
            string? contentType;
            if (capabilities.PostPkiOperation)
            {
                (body, contentType) = Send(HttpMethod.Post, OperationUrl("PKIOperation", null), message, cancellationToken);
            }
            else
            {
                (body, contentType) = Get("PKIOperation", Convert.ToBase64String(message), cancellationToken);
            }

            if (contentType != null && !contentType.Equals(PkiMessageType, StringComparison.OrdinalIgnoreCase))
            {
                throw ScepReply.Protocol($"{what} (reply from {Url})", $"the server answered with {contentType}, not {PkiMessageType}: {Snippet(body)}");
            }

            return ScepReply.Read(body, ca, csr.TransactionId, nonce, $"{what} (reply from {Url})");
        }

        private (byte[] Body, string? ContentType) Get(string operation, string? message, CancellationToken cancellationToken) =>
            Send(HttpMethod.Get, OperationUrl(operation, message), null, cancellationToken);

        private Uri OperationUrl(string operation, string? message)
        {
            var query = "operation=" + operation + (message == null ? string.Empty : "&message=" + Uri.EscapeDataString(message));
            var builder = new UriBuilder(Url) { Query = string.IsNullOrEmpty(Url.Query) ? query : Url.Query.TrimStart('?') + "&" + query };
            return builder.Uri;
        }

        private (byte[] Body, string? ContentType) Send(HttpMethod method, Uri url, byte[]? content, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(method, url);
            if (content != null)
            {
                request.Content = new ByteArrayContent(content);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(PkiMessageType);
            }

            try
            {
                using var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                using var stream = response.Content.ReadAsStream(cancellationToken);
                var body = ReadLimited(stream, url);
                if (!response.IsSuccessStatusCode)
                {
                    throw Unavailable(url, $"it answered {(int)response.StatusCode} {response.ReasonPhrase}: {Snippet(body)}", null);
                }

                return (body, response.Content.Headers.ContentType?.MediaType);
            }
            catch (HttpRequestException e)
            {
                throw Unavailable(url, e.Message, e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw Unavailable(url, $"it did not answer within {_http.Timeout.TotalSeconds:0} s", e);
            }
            catch (IOException e)
            {
                throw Unavailable(url, e.Message, e);
            }
        }

        private static byte[] ReadLimited(Stream stream, Uri url)
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                buffer.Write(chunk, 0, n);
                if (buffer.Length > MaxReplySize)
                {
                    throw ScepReply.Protocol($"The reply from {url}", $"it is larger than {MaxReplySize / (1024 * 1024)} MiB, far more than a SCEP reply");
                }
            }

            return buffer.ToArray();
        }

        private static string Snippet(byte[] body)
        {
            var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).Trim();
            return text.Length == 0 || text.Any(c => char.IsControl(c) && c != '\n' && c != '\r' && c != '\t') ? $"{body.Length} bytes" : text;
        }

        private IReadOnlyList<X509Certificate2> ReadCaCertificates(byte[] body)
        {
            try
            {
                var element = Asn1Object.FromByteArray(body);
                if (element is Asn1Sequence sequence && sequence.Count >= 1 && sequence[0] is DerObjectIdentifier)
                {
                    var signedData = SignedData.GetInstance(ContentInfo.GetInstance(sequence).Content);
                    var certificates = signedData.Certificates?.Cast<Asn1Encodable>().Select(c => DerCertificate.Load(c.GetDerEncoded())).ToArray()
                        ?? Array.Empty<X509Certificate2>();
                    if (certificates.Length == 0)
                    {
                        throw ScepReply.Protocol($"GetCACert of {Url}", "the PKCS#7 holds no certificate");
                    }

                    return certificates;
                }

                return new[] { DerCertificate.Load(body) };
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or CryptographicException or InvalidOperationException or ArithmeticException)
            {
                throw ScepReply.Protocol($"GetCACert of {Url}", $"the answer is neither a certificate nor a certs-only PKCS#7 ({e.Message})", e);
            }
        }

        private SmimeException Unavailable(Uri url, string why, Exception? inner) =>
            new(ErrorIds.EnrolmentServerUnavailable, SmimeErrorKind.ResourceUnavailable,
                $"The SCEP server {Url} could not be reached for {Operation(url)}: {why}.",
                "Check the URL, that the server runs and that this computer may reach it (proxy, firewall), then submit again.", Url.ToString(), inner);

        private static string Operation(Uri url)
        {
            var query = url.Query;
            int at = query.IndexOf("operation=", StringComparison.Ordinal);
            return at < 0 ? "the request" : query[(at + 10)..].Split('&')[0];
        }

        /// <summary>The parts of a result known before the answer.</summary>
        private sealed class Result
        {
            private readonly ScepCertificationRequest _csr;
            private readonly Uri _server;
            private readonly ScepMessageType _type;
            private readonly string _algorithms;
            private readonly int _polls;
            private readonly X509Certificate2 _ca;

            public Result(ScepCertificationRequest csr, Uri server, ScepMessageType type, string algorithms, int polls, X509Certificate2 ca)
            {
                _ca = ca;
                _csr = csr;
                _server = server;
                _type = type;
                _algorithms = algorithms;
                _polls = polls;
            }

            public ScepEnrolmentResult With(ScepEnrolmentStatus status, X509Certificate2? certificate, ScepFailInfo? failInfo, string message) => new()
            {
                Status = status,
                Certificate = certificate,
                CaCertificate = _ca,
                TransactionId = _csr.TransactionId,
                FailInfo = failInfo,
                Message = message,
                Subject = _csr.Subject.Name,
                Server = _server,
                MessageType = _type == ScepMessageType.RenewalReq ? "RenewalReq" : "PKCSReq",
                Algorithms = _algorithms,
                Polls = _polls,
            };
        }
    }
}
