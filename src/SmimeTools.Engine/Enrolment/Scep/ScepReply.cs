using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using BcAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;

namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>
    /// A CertRep (RFC 8894 §3.3.2) read and checked: signed by the CA's or RA's certificate (verified with the engine's
    /// <see cref="SignedDataReader"/>), a CertRep for our transactionID whose recipientNonce is our senderNonce.
    /// </summary>
    internal sealed class ScepReply
    {
        private ScepReply(int status, ScepFailInfo? failInfo, string? failInfoText, byte[]? envelope)
        {
            Status = status;
            FailInfo = failInfo;
            FailInfoText = failInfoText;
            Envelope = envelope;
        }

        /// <summary>pkiStatus: 0 SUCCESS, 2 FAILURE, 3 PENDING.</summary>
        public int Status { get; }

        public ScepFailInfo? FailInfo { get; }

        public string? FailInfoText { get; }

        /// <summary>The pkcsPKIEnvelope of a SUCCESS: EnvelopedData around a degenerate certs-only SignedData.</summary>
        public byte[]? Envelope { get; }

        public static ScepReply Read(byte[] data, ScepCaCertificates ca, string transactionId, byte[] senderNonce, string what)
        {
            SignedData signedData;
            SignerInfo signerInfo;
            Dictionary<string, Asn1Encodable> attributes;
            byte[]? content;
            try
            {
                var contentInfo = ContentInfo.GetInstance(Asn1Object.FromByteArray(data));
                if (!contentInfo.ContentType.Equals(CmsObjectIdentifiers.SignedData))
                {
                    throw Protocol(what, $"the reply is CMS of type {contentInfo.ContentType.Id}, not SignedData");
                }

                signedData = SignedData.GetInstance(contentInfo.Content);
                if (signedData.SignerInfos.Count != 1)
                {
                    throw Protocol(what, $"the reply has {signedData.SignerInfos.Count} signers, not one");
                }

                signerInfo = SignerInfo.GetInstance(signedData.SignerInfos[0]);
                attributes = Attributes(signerInfo, what);
                content = (signedData.EncapContentInfo.Content as Asn1OctetString)?.GetOctets();
            }
            catch (Exception e) when (IsDecodingError(e))
            {
                throw Protocol(what, $"the reply is not a CMS message ({e.Message})", e);
            }

            SignedDataResult checkedData;
            using (var input = new MemoryStream(data, writable: false))
            {
                checkedData = content != null
                    ? SignedDataReader.ReadEncapsulated(input, Stream.Null, ca.Certificates)
                    : SignedDataReader.ReadDetached(input, new MemoryStream(Array.Empty<byte>()), ca.Certificates);
            }

            var signer = checkedData.Signers.Single();
            if (!signer.IsValid)
            {
                throw Protocol(what, $"the reply's signature does not verify ({signer.Problem ?? signer.Status.ToString()})");
            }

            // The signer's certificate must be the RA's or CA's that GetCACert gave, not one the reply brought along.
            var trusted = new[] { ca.SigningCertificate, ca.CaCertificate };
            if (signer.Certificate == null || !trusted.Any(t => t.RawData.AsSpan().SequenceEqual(signer.Certificate.RawData)))
            {
                throw Protocol(what, $"the reply is signed by '{signer.Certificate?.Subject ?? signer.SignerIdentifier.ToString()}', not by the CA or RA certificate of this server");
            }

            var messageType = Printable(attributes, ScepOids.MessageType, what);
            if (messageType != ((int)ScepMessageType.CertRep).ToString(CultureInfo.InvariantCulture))
            {
                throw Protocol(what, $"the reply's messageType is {messageType ?? "missing"}, not CertRep (3)");
            }

            var replyTransaction = Printable(attributes, ScepOids.TransactionId, what);
            if (replyTransaction != transactionId)
            {
                throw Protocol(what, $"the reply is for transaction '{replyTransaction}', not for this request's '{transactionId}'");
            }

            var recipientNonce = Octets(attributes, ScepOids.RecipientNonce, what);
            if (recipientNonce == null || !recipientNonce.AsSpan().SequenceEqual(senderNonce))
            {
                throw Protocol(what, "the reply's recipientNonce is not the senderNonce of the request (a replayed or foreign reply)");
            }

            var statusText = Printable(attributes, ScepOids.PkiStatus, what);
            if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out int status) || status is not (0 or 2 or 3))
            {
                throw Protocol(what, $"the reply's pkiStatus is {statusText ?? "missing"}, not SUCCESS (0), FAILURE (2) or PENDING (3)");
            }

            ScepFailInfo? failInfo = null;
            if (status == 2)
            {
                var failText = Printable(attributes, ScepOids.FailInfo, what);
                failInfo = int.TryParse(failText, NumberStyles.None, CultureInfo.InvariantCulture, out int fail) && Enum.IsDefined(typeof(ScepFailInfo), fail) && fail != (int)ScepFailInfo.Unknown
                    ? (ScepFailInfo)fail
                    : ScepFailInfo.Unknown;
            }

            if (status == 0 && content == null)
            {
                throw Protocol(what, "the reply says SUCCESS but carries no certificate");
            }

            return new ScepReply(status, failInfo, Utf8(attributes, ScepOids.FailInfoText), status == 0 ? content : null);
        }

        /// <summary>Decrypts the SUCCESS envelope with the request's key and returns the certificates of the degenerate SignedData inside.</summary>
        public IReadOnlyList<X509Certificate2> Certificates(IKeyDecryptor key, string what)
        {
            using var plaintext = new MemoryStream();
            using (var input = new MemoryStream(Envelope!, writable: false))
            {
                EnvelopedDataReader.Decrypt(input, plaintext, new[] { key });
            }

            try
            {
                var contentInfo = ContentInfo.GetInstance(Asn1Object.FromByteArray(plaintext.ToArray()));
                var degenerate = SignedData.GetInstance(contentInfo.Content);
                return degenerate.Certificates == null
                    ? Array.Empty<X509Certificate2>()
                    : degenerate.Certificates.Cast<Asn1Encodable>().Select(c => DerCertificate.Load(c.GetDerEncoded())).ToArray();
            }
            catch (Exception e) when (IsDecodingError(e) || e is System.Security.Cryptography.CryptographicException)
            {
                throw Protocol(what, $"the decrypted reply is not a certs-only PKCS#7 ({e.Message})", e);
            }
        }

        /// <summary>What BouncyCastle's ASN.1 classes throw for data that is not what they expect.</summary>
        private static bool IsDecodingError(Exception e) =>
            e is ArgumentException or InvalidCastException or IOException or FormatException or InvalidOperationException or ArithmeticException;

        private static Dictionary<string, Asn1Encodable> Attributes(SignerInfo info, string what)
        {
            var result = new Dictionary<string, Asn1Encodable>(StringComparer.Ordinal);
            if (info.SignedAttrs == null)
            {
                throw Protocol(what, "the reply has no signed attributes");
            }

            foreach (var element in info.SignedAttrs)
            {
                var attribute = BcAttribute.GetInstance(element);
                if (attribute.AttrValues.Count == 1)
                {
                    result[attribute.AttrType.Id] = attribute.AttrValues[0];
                }
            }

            return result;
        }

        private static string? Printable(Dictionary<string, Asn1Encodable> attributes, string oid, string what) =>
            !attributes.TryGetValue(oid, out var value) ? null
                : value is IAsn1String text ? text.GetString()
                : throw Protocol(what, $"the reply's attribute {oid} is not a string");

        private static string? Utf8(Dictionary<string, Asn1Encodable> attributes, string oid) =>
            attributes.TryGetValue(oid, out var value) && value is IAsn1String text ? text.GetString() : null;

        private static byte[]? Octets(Dictionary<string, Asn1Encodable> attributes, string oid, string what) =>
            !attributes.TryGetValue(oid, out var value) ? null
                : value is Asn1OctetString octets ? octets.GetOctets()
                : throw Protocol(what, $"the reply's attribute {oid} is not an OCTET STRING");

        internal static SmimeException Protocol(string what, string why, Exception? inner = null) =>
            new(ErrorIds.EnrolmentProtocolError, SmimeErrorKind.InvalidData,
                $"{what}: {why}.", "Check that the URL is the SCEP server's and that GetCACert returns its current CA (and RA) certificates; the reply was not used.", what, inner);
    }
}
