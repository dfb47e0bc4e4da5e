using System;
using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmimeTools.Tests.Enrolment
{
    /// <summary>
    /// A small SCEP responder on 127.0.0.1 for the paths scepserver 2.1.0 cannot show: PENDING followed by CertPoll, an
    /// RA certificate in front of the CA, FAILURE with failInfoText, servers without POST or AES, and replies that must
    /// be refused (a wrong recipientNonce, a stranger's signature). It is written with .NET's own SignedCms and
    /// EnvelopedCms, not with the engine, so it also checks the client's messages independently: it verifies their
    /// signatures, decrypts them with its RA (or CA) key and issues real certificates from the request with its own CA.
    /// </summary>
    public sealed class ScepTestResponder : IDisposable
    {
        private const string MessageTypeOid = "2.16.840.1.113733.1.9.2";
        private const string PkiStatusOid = "2.16.840.1.113733.1.9.3";
        private const string FailInfoOid = "2.16.840.1.113733.1.9.4";
        private const string SenderNonceOid = "2.16.840.1.113733.1.9.5";
        private const string RecipientNonceOid = "2.16.840.1.113733.1.9.6";
        private const string TransactionIdOid = "2.16.840.1.113733.1.9.7";
        private const string FailInfoTextOid = "1.3.6.1.5.5.7.24.1";

        // Key generation is the slow part on a busy machine: every responder of a run shares its CA and RA keys.
        private static readonly Lazy<RSA> CaKey = new(() => RSA.Create(2048));
        private static readonly Lazy<RSA> RaKey = new(() => RSA.Create(2048));

        private readonly HttpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly ConcurrentDictionary<string, int> _pollsSeen = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, byte[]> _requests = new(StringComparer.Ordinal);

        public ScepTestResponder(bool withRa = false, string capabilities = "POSTPKIOperation\nAES\nSHA-256\nRenewal")
        {
            Capabilities = capabilities;
            var caKey = CaKey.Value;
            var caRequest = new CertificateRequest("CN=SmimeTools SCEP Responder CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
            Ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            if (withRa)
            {
                var raKey = RaKey.Value;
                var raRequest = new CertificateRequest("CN=SmimeTools SCEP Responder RA", raKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                raRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
                using var issued = raRequest.Create(Ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMonths(6), new byte[] { 0x11, 0x22 });
                Ra = issued.CopyWithPrivateKey(raKey);
            }

            // A port found free may be taken before it is bound (other test runs share the machine); a listener whose
            // Start failed is not started again, a new one is.
            for (int attempt = 0; ; attempt++)
            {
                Port = ScepServerFixture.FreePort();
                var listener = new HttpListener();
                listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
                try
                {
                    listener.Start();
                    _listener = listener;
                    break;
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    listener.Close();
                }
            }

            Url = new Uri($"http://127.0.0.1:{Port}/scep");
            _loop = Task.Run(Serve);
        }

        public int Port { get; }

        public Uri Url { get; }

        /// <summary>The CA's certificate, with its key.</summary>
        public X509Certificate2 Ca { get; }

        /// <summary>The RA's certificate (issued by the CA, with its key), or null for a CA without an RA.</summary>
        public X509Certificate2? Ra { get; }

        /// <summary>The GetCACaps answer.</summary>
        public string Capabilities { get; set; }

        /// <summary>How many CertPolls answer PENDING (the PKCSReq itself too) before SUCCESS; 0 issues at once.</summary>
        public int PendingPolls { get; set; }

        /// <summary>Answer FAILURE with this failInfo (and <see cref="FailInfoText"/>) instead of issuing.</summary>
        public int? FailInfo { get; set; }

        public string? FailInfoText { get; set; }

        /// <summary>Put a wrong recipientNonce into replies (a replayed reply).</summary>
        public bool WrongRecipientNonce { get; set; }

        /// <summary>Answer PKIOperation with this HTTP status instead of a CertRep.</summary>
        public int? RefuseWithStatus { get; set; }

        /// <summary>The challengePassword values of the last request's CSR (verified by .NET as it loaded the CSR).</summary>
        public string[] LastChallenges { get; private set; } = Array.Empty<string>();

        /// <summary>Sign replies with a key GetCACert did not name.</summary>
        public bool SignAsStranger { get; set; }

        /// <summary>What the last pkiMessage was: messageType, its envelope's content encryption OID, digest OID, HTTP method.</summary>
        public string? LastMessageType { get; private set; }

        public string? LastContentEncryption { get; private set; }

        public string? LastDigest { get; private set; }

        public string? LastMethod { get; private set; }

        /// <summary>The certificate the last envelope was encrypted to (the RA's or the CA's).</summary>
        public string? LastRecipientSerial { get; private set; }

        /// <summary>The last CertRep sent, with the transactionID and senderNonce it answered.</summary>
        public (byte[] Reply, string TransactionId, byte[] SenderNonce)? LastReply { get; private set; }

        /// <summary>The last CertPoll's IssuerAndSubject, DER.</summary>
        public byte[]? LastPollData { get; private set; }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _listener.Close();
            try
            {
                _loop.Wait(5000);
            }
            catch (AggregateException)
            {
            }
        }

        private async Task Serve()
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                try
                {
                    Answer(context);
                }
                catch (Exception e)
                {
                    context.Response.StatusCode = 500;
                    var text = Encoding.UTF8.GetBytes(e.ToString());
                    context.Response.OutputStream.Write(text, 0, text.Length);
                }
                finally
                {
                    context.Response.Close();
                }
            }
        }

        private void Answer(HttpListenerContext context)
        {
            var operation = context.Request.QueryString["operation"];
            byte[] body;
            string type;
            switch (operation)
            {
                case "GetCACaps":
                    body = Encoding.ASCII.GetBytes(Capabilities);
                    type = "text/plain";
                    break;
                case "GetCACert" when Ra == null:
                    body = Ca.RawData;
                    type = "application/x-x509-ca-cert";
                    break;
                case "GetCACert":
                    body = new X509Certificate2Collection { X509CertificateLoader.LoadCertificate(Ca.RawData), X509CertificateLoader.LoadCertificate(Ra!.RawData) }.Export(X509ContentType.Pkcs7)!;
                    type = "application/x-x509-ca-ra-cert";
                    break;
                case "PKIOperation" when RefuseWithStatus != null:
                    context.Response.StatusCode = RefuseWithStatus.Value;
                    body = Encoding.ASCII.GetBytes("refused by the test responder");
                    type = "text/plain";
                    break;
                case "PKIOperation":
                    LastMethod = context.Request.HttpMethod;
                    byte[] message;
                    if (context.Request.HttpMethod == "POST")
                    {
                        using var read = new MemoryStream();
                        context.Request.InputStream.CopyTo(read);
                        message = read.ToArray();
                    }
                    else
                    {
                        message = Convert.FromBase64String(context.Request.QueryString["message"]!);
                    }

                    body = PkiOperation(message);
                    type = "application/x-pki-message";
                    break;
                default:
                    context.Response.StatusCode = 400;
                    return;
            }

            context.Response.ContentType = type;
            context.Response.OutputStream.Write(body, 0, body.Length);
        }

        private byte[] PkiOperation(byte[] message)
        {
            var signed = new SignedCms();
            signed.Decode(message);
            signed.CheckSignature(verifySignatureOnly: true);
            var signer = signed.SignerInfos[0];
            LastDigest = signer.DigestAlgorithm.Value;
            string messageType = Printable(signer, MessageTypeOid)!;
            string transactionId = Printable(signer, TransactionIdOid)!;
            byte[] senderNonce = Octets(signer, SenderNonceOid)!;
            LastMessageType = messageType;

            var envelope = new EnvelopedCms();
            envelope.Decode(signed.ContentInfo.Content);
            LastContentEncryption = envelope.ContentEncryptionAlgorithm.Oid.Value;
            var recipient = Ra ?? Ca;
            LastRecipientSerial = ((System.Security.Cryptography.Xml.X509IssuerSerial)envelope.RecipientInfos[0].RecipientIdentifier.Value!).SerialNumber;
            envelope.Decrypt(envelope.RecipientInfos[0], recipient.GetRSAPrivateKey()!);
            var data = envelope.ContentInfo.Content;
            if (messageType == "20")
            {
                LastPollData = data;
                data = _requests[transactionId];
            }
            else
            {
                _requests[transactionId] = data;
            }

            if (FailInfo != null)
            {
                return Reply(transactionId, senderNonce, "2", null);
            }

            int polls = _pollsSeen.AddOrUpdate(transactionId, 0, (_, n) => n + 1);
            if (polls < PendingPolls)
            {
                return Reply(transactionId, senderNonce, "3", null);
            }

            var request = CertificateRequest.LoadSigningRequest(data, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions, RSASignaturePadding.Pkcs1);
            LastChallenges = request.OtherRequestAttributes.Where(a => a.Oid?.Value == "1.2.840.113549.1.9.7")
                .Select(a => new AsnReader(a.RawData, AsnEncodingRules.DER).ReadCharacterString(
                    a.RawData[0] == 0x0C ? UniversalTagNumber.UTF8String : UniversalTagNumber.PrintableString))
                .ToArray();
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
            using var issued = request.Create(Ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(12));
            var bundle = new X509Certificate2Collection { X509CertificateLoader.LoadCertificate(issued.RawData), X509CertificateLoader.LoadCertificate(Ca.RawData) }.Export(X509ContentType.Pkcs7)!;
            var reply = new EnvelopedCms(new ContentInfo(bundle), new AlgorithmIdentifier(new Oid("2.16.840.1.101.3.4.1.2")));
            reply.Encrypt(new CmsRecipient(signer.Certificate!));
            return Reply(transactionId, senderNonce, "0", reply.Encode());
        }

        private byte[] Reply(string transactionId, byte[] senderNonce, string status, byte[]? content)
        {
            using var strangerKey = SignAsStranger ? RSA.Create(2048) : null;
            var signingCertificate = SignAsStranger
                ? new CertificateRequest(Ca.SubjectName, strangerKey!, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1))
                : Ra ?? Ca;
            var attributes = new System.Collections.Generic.List<(string Oid, byte[] Value)>
            {
                (MessageTypeOid, PrintableDer("3")),
                (PkiStatusOid, PrintableDer(status)),
                (TransactionIdOid, PrintableDer(transactionId)),
                (SenderNonceOid, OctetsDer(RandomNumberGenerator.GetBytes(16))),
                (RecipientNonceOid, OctetsDer(WrongRecipientNonce ? RandomNumberGenerator.GetBytes(16) : senderNonce)),
            };
            if (status == "2")
            {
                attributes.Add((FailInfoOid, PrintableDer(FailInfo!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                if (FailInfoText != null)
                {
                    var writer = new AsnWriter(AsnEncodingRules.DER);
                    writer.WriteCharacterString(UniversalTagNumber.UTF8String, FailInfoText);
                    attributes.Add((FailInfoTextOid, writer.Encode()));
                }
            }

            if (content == null)
            {
                var empty = SignedWithoutContent(signingCertificate, attributes);
                LastReply = (empty, transactionId, senderNonce);
                return empty;
            }

            var signedReply = new SignedCms(new ContentInfo(content));
            var cmsSigner = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, signingCertificate) { IncludeOption = X509IncludeOption.EndCertOnly };
            foreach (var (oid, value) in attributes)
            {
                cmsSigner.SignedAttributes.Add(new AsnEncodedData(oid, value));
            }

            signedReply.ComputeSignature(cmsSigner);
            var encoded = signedReply.Encode();
            LastReply = (encoded, transactionId, senderNonce);
            return encoded;
        }

        /// <summary>
        /// A PENDING or FAILURE CertRep: SignedData without eContent, messageDigest over nothing (RFC 8894 §3.3.2). .NET's
        /// SignedCms refuses empty content, so BouncyCastle's generator makes these.
        /// </summary>
        private static byte[] SignedWithoutContent(X509Certificate2 signer, System.Collections.Generic.List<(string Oid, byte[] Value)> attributes)
        {
            var vector = new Org.BouncyCastle.Asn1.Asn1EncodableVector();
            foreach (var (oid, value) in attributes)
            {
                vector.Add(new Org.BouncyCastle.Asn1.Cms.Attribute(new Org.BouncyCastle.Asn1.DerObjectIdentifier(oid),
                    new Org.BouncyCastle.Asn1.DerSet(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(value))));
            }

            var certificate = new Org.BouncyCastle.X509.X509Certificate(signer.RawData);
            var key = Org.BouncyCastle.Security.DotNetUtilities.GetRsaKeyPair(signer.GetRSAPrivateKey()!).Private;
            var generator = new Org.BouncyCastle.Cms.CmsSignedDataGenerator();
            generator.AddSigner(key, certificate, Org.BouncyCastle.Cms.CmsSignedGenerator.DigestSha256,
                new Org.BouncyCastle.Cms.DefaultSignedAttributeTableGenerator(new Org.BouncyCastle.Asn1.Cms.AttributeTable(vector)), null);
            generator.AddCertificate(certificate);
            return generator.Generate(new Org.BouncyCastle.Cms.CmsProcessableByteArray(Array.Empty<byte>()), false).GetEncoded();
        }

        private static string? Printable(SignerInfo signer, string oid)
        {
            var attribute = signer.SignedAttributes.Cast<CryptographicAttributeObject>().FirstOrDefault(a => a.Oid.Value == oid);
            return attribute == null ? null : new AsnReader(attribute.Values[0].RawData, AsnEncodingRules.DER).ReadCharacterString(UniversalTagNumber.PrintableString);
        }

        private static byte[]? Octets(SignerInfo signer, string oid)
        {
            var attribute = signer.SignedAttributes.Cast<CryptographicAttributeObject>().FirstOrDefault(a => a.Oid.Value == oid);
            return attribute == null ? null : new AsnReader(attribute.Values[0].RawData, AsnEncodingRules.DER).ReadOctetString();
        }

        private static byte[] PrintableDer(string text)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            writer.WriteCharacterString(UniversalTagNumber.PrintableString, text);
            return writer.Encode();
        }

        private static byte[] OctetsDer(byte[] value)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            writer.WriteOctetString(value);
            return writer.Encode();
        }
    }
}
