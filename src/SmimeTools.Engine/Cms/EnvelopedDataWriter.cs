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
            using var content = Open(output, options, cancellationToken);
            var buffer = new byte[ChunkSize];
            int read;
            while ((read = ReadFull(plaintext, buffer)) > 0)
            {
                content.Write(buffer, 0, read);
            }

            content.Finish();
        }

        /// <summary>
        /// Starts the encrypted ContentInfo (BER) on <paramref name="output"/> and returns the stream to write the plaintext
        /// into, so content made on the fly is encrypted as it is made, without a scratch copy. Recipient problems are
        /// reported before anything is written. <see cref="EnvelopedContentStream.Finish"/> ends the structure; disposing
        /// without it leaves the structure open. <paramref name="output"/> is not closed. <paramref name="expectedBytes"/>, when
        /// known, is about how much plaintext comes: the buffers (and BER pieces) of a small message are fitted to it.
        /// </summary>
        internal static EnvelopedContentStream Open(Stream output, EncryptionOptions options, CancellationToken cancellationToken = default,
            long expectedBytes = -1)
        {
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
                var version = EnvelopedDataVersion.Of(null, recipientSet.Cast<Asn1Encodable>().Select(RecipientInfo.GetInstance), false);
                return new EnvelopedContentStream(output, algorithm, contentKey, recipientSet, version, cancellationToken,
                    expectedBytes < 0 ? ChunkSize : (int)Math.Min(expectedBytes, ChunkSize));
            }
            finally
            {
                // The cipher holds its own copy of the key.
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
