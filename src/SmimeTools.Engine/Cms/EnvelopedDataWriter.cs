using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Encrypts a stream into a CMS ContentInfo: EnvelopedData (RFC 5652) for CBC algorithms, AuthEnvelopedData (RFC 5083,
    /// RFC 5084) for AES-GCM and ChaCha20-Poly1305. Streams in one pass with flat memory: the encrypted content is written
    /// as an indefinite-length BER OCTET STRING in 64 KiB pieces, which OpenSSL, NSS and GnuPG read.
    /// </summary>
    public static class EnvelopedDataWriter
    {
        /// <summary>Size of the pieces of the encrypted content, and of each read from the plaintext.</summary>
        internal const int ChunkSize = 64 * 1024;

        /// <summary>
        /// Reads <paramref name="plaintext"/> to its end and writes the encrypted ContentInfo (BER) to <paramref name="output"/>.
        /// Recipient problems are reported before anything is written. Neither stream is closed.
        /// </summary>
        public static void Write(Stream plaintext, Stream output, EncryptionOptions options, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(plaintext);
            ArgumentNullException.ThrowIfNull(output);
            ArgumentNullException.ThrowIfNull(options);
            if (options.Recipients == null || options.Recipients.Count == 0)
            {
                throw EnvelopedErrors.NoRecipients();
            }

            var algorithm = ContentCipherAlgorithm.ForEncryption(options.ContentEncryption);
            byte[] contentKey = algorithm.GenerateKey();
            try
            {
                var recipientInfos = new Asn1EncodableVector();
                foreach (var certificate in options.Recipients)
                {
                    ArgumentNullException.ThrowIfNull(certificate, nameof(options.Recipients));
                    recipientInfos.Add(CreateRecipientInfo(certificate, contentKey, options));
                }

                var recipientSet = new DerSet(recipientInfos);
                WriteContentInfo(plaintext, output, algorithm, contentKey, recipientSet, EnvelopedDataVersion.Of(null, recipientSet.Cast<Asn1Encodable>().Select(RecipientInfo.GetInstance), false), cancellationToken);
            }
            finally
            {
                Array.Clear(contentKey);
            }
        }

        /// <summary>
        /// The RecipientInfo that gives <paramref name="certificate"/> the content-encryption key: key transport for RSA, key
        /// agreement for EC, X25519 and X448, as <paramref name="options"/> asks.
        /// </summary>
        internal static RecipientInfo CreateRecipientInfo(X509Certificate2 certificate, byte[] contentKey, EncryptionOptions options)
        {
            var identity = new RecipientIdentity(certificate);
            switch (KeyAlgorithms.Of(certificate))
            {
                case KeyAlgorithmKind.Rsa:
                    return KeyTransportRecipient.Create(identity, contentKey, options.KeyEncryption, options.UseSubjectKeyIdentifier);
                case KeyAlgorithmKind.Ec:
                case KeyAlgorithmKind.X25519:
                case KeyAlgorithmKind.X448:
                    return KeyAgreementRecipient.Create(identity, contentKey, options.UseSubjectKeyIdentifier);
                default:
                    throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                        $"The certificate {identity.Describe()} has a {KeyAlgorithms.Of(certificate)} key, which cannot receive encrypted mail.",
                        "Encrypt to a certificate with an RSA, EC, X25519 or X448 key.", certificate);
            }
        }

        private static void WriteContentInfo(
            Stream plaintext, Stream output, ContentCipherAlgorithm algorithm, byte[] contentKey, Asn1Set recipientInfos, int envelopedVersion, CancellationToken cancellationToken)
        {
            bool authenticated = algorithm.IsAuthenticated;

            // AuthEnvelopedData is always version 0 (RFC 5083 §2.1).
            int version = authenticated ? 0 : envelopedVersion;
            using var cipher = algorithm.CreateEncryptor(contentKey);

            // No `using` for the generators: disposing one writes its end-of-contents, and after a failure (a plaintext
            // read error, cancellation) the structure must stay open, so a half-written message never parses as complete.
            var contentInfo = new BerSequenceGenerator(output);
            contentInfo.AddObject(new DerObjectIdentifier(authenticated ? EnvelopingOids.AuthEnvelopedData : EnvelopingOids.EnvelopedData));
            var envelope = new BerSequenceGenerator(contentInfo.GetRawOutputStream(), 0, true);
            envelope.AddObject(DerInteger.ValueOf(version));
            envelope.AddObject(recipientInfos);
            var encryptedContentInfo = new BerSequenceGenerator(envelope.GetRawOutputStream());
            encryptedContentInfo.AddObject(CmsObjectIdentifiers.Data);
            encryptedContentInfo.AddObject(algorithm.ToAlgorithmIdentifier());
            var octets = new BerOctetStringGenerator(encryptedContentInfo.GetRawOutputStream(), 0, false);
            Stream encrypted = octets.GetOctetOutputStream(ChunkSize);
            Pump(plaintext, encrypted, cipher, cancellationToken);
            encrypted.Dispose();
            octets.Dispose();
            encryptedContentInfo.Dispose();
            if (authenticated)
            {
                // No authAttrs: RFC 8551 §2.4.4 makes them optional for id-data content.
                envelope.AddObject(new DerOctetString(cipher.Tag));
            }

            envelope.Dispose();
            contentInfo.Dispose();
        }

        private static void Pump(Stream plaintext, Stream encrypted, ContentCipher cipher, CancellationToken cancellationToken)
        {
            var input = new byte[ChunkSize];
            var output = new byte[ChunkSize + ContentCipher.MaxExpansion];
            int read;
            while ((read = ReadFull(plaintext, input)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int written = cipher.Update(input, 0, read, output);
                encrypted.Write(output, 0, written);
            }

            int last = cipher.Finish(output);
            encrypted.Write(output, 0, last);
        }

        /// <summary>Fills the buffer unless the stream ends first, so the cipher sees few, large pieces.</summary>
        private static int ReadFull(Stream stream, byte[] buffer)
        {
            int total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            return total;
        }
    }
}
