using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>
    /// Writes a SCEP pkiMessage (RFC 8894 §3.2): the message data enveloped to the CA or RA (pkcsPKIEnvelope), inside a
    /// SignedData whose signed attributes carry messageType, transactionID and senderNonce, made with the engine's own
    /// <see cref="EnvelopedDataWriter"/> and <see cref="SignedDataBuilder"/> so any key signs it.
    /// </summary>
    internal static class ScepMessageWriter
    {
        public static byte[] Write(ScepMessageType type, string transactionId, byte[] senderNonce, byte[] messageData,
            X509Certificate2 recipient, ScepCapabilities capabilities, ISigningKey signer)
        {
            using var envelope = new MemoryStream();
            using (var plaintext = new MemoryStream(messageData, writable: false))
            {
                EnvelopedDataWriter.Write(plaintext, envelope, new EncryptionOptions
                {
                    Recipients = new[] { recipient },
                    ContentEncryption = capabilities.ContentEncryption,
                });
            }

            envelope.Position = 0;
            using var output = new MemoryStream();
            SignedDataBuilder.WriteEncapsulated(envelope, output, new SigningOptions
            {
                Key = signer,
                Digest = capabilities.Digest,
                Certificates = new[] { signer.Certificate },
                Capabilities = Array.Empty<Policy.ContentEncryptionAlgorithm>(),
                AdditionalSignedAttributes = new (string, byte[])[]
                {
                    (ScepOids.MessageType, new DerPrintableString(((int)type).ToString(CultureInfo.InvariantCulture)).GetDerEncoded()),
                    (ScepOids.TransactionId, new DerPrintableString(transactionId).GetDerEncoded()),
                    (ScepOids.SenderNonce, new DerOctetString(senderNonce).GetDerEncoded()),
                },
            });
            return output.ToArray();
        }

        /// <summary>The messageData of a CertPoll (RFC 8894 §3.3.3): IssuerAndSubject, the CA's name and the request's subject.</summary>
        public static byte[] IssuerAndSubject(X509Certificate2 ca, X500DistinguishedName subject) =>
            new DerSequence(Asn1Object.FromByteArray(ca.SubjectName.RawData), Asn1Object.FromByteArray(subject.RawData)).GetDerEncoded();
    }
}
