using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using MimeKit;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Signs and/or encrypts one message, streaming: content is read from the input file and written to the
    /// output once (signed or canonical content is hashed and encrypted as it is written, with no scratch copy), so memory
    /// does not grow with size.
    /// </summary>
    public static class MessageProtector
    {
        /// <summary>What we can decrypt, strongest first: announced in every signature (RFC 8551 §2.5.2).</summary>
        public static IReadOnlyList<ContentEncryptionAlgorithm> OurCapabilities { get; } = new[]
        {
            ContentEncryptionAlgorithm.Aes256Gcm,
            ContentEncryptionAlgorithm.Aes128Gcm,
            ContentEncryptionAlgorithm.Aes256Cbc,
            ContentEncryptionAlgorithm.Aes192Cbc,
            ContentEncryptionAlgorithm.Aes128Cbc,
        };

        public static ProtectResult Protect(MessageInput input, ProtectOptions options, MessageOutput output, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(output);

            var now = DateTimeOffset.UtcNow;
            ProtectionChecks.Check(options, now);
            var digest = DigestFor(options);
            if (MessageToProtect.ParseAlongside(input, options.ParseAlongsideFrom))
            {
                try
                {
                    return Protect(input, options, output, digest, now, alongside: true, cancellationToken);
                }
                catch (MessageToProtect.CopyRefusedException)
                {
                    // A part to re-encode (8-bit text, say): written again from a parse made first. The first output is gone.
                }
            }

            return Protect(input, options, output, digest, now, alongside: false, cancellationToken);
        }

        private static ProtectResult Protect(MessageInput input, ProtectOptions options, MessageOutput output, DigestAlgorithm digest,
            DateTimeOffset now, bool alongside, CancellationToken cancellationToken)
        {
            using var message = MessageToProtect.Open(input, options.Limits, alongside, cancellationToken);

            // Base64 makes a third more of the content, and a signature adds a few KB.
            using var target = output.Open(Expected(input, options) is var expected and >= 0 ? (expected * 4 / 3) + 1024 : -1);
            var stream = target.Stream;
            message.WriteOuterHeaders(stream, cancellationToken);

            if (options.Recipients.Count > 0)
            {
                WriteEnveloped(stream, options, cancellationToken,
                    plaintext => WriteSignedOrCanonical(message, plaintext, options, digest, now, cancellationToken), Expected(input, options));
            }
            else
            {
                WriteSignedOrCanonical(message, stream, options, digest, now, cancellationToken);
            }

            var bytes = target.Commit();
            return new ProtectResult(input.Path, output.Path, bytes,
                signed: options.SigningKey != null,
                opaque: options.SigningKey != null && options.Opaque,
                encrypted: options.Recipients.Count > 0,
                signerThumbprint: options.SigningKey?.Certificate.Thumbprint,
                recipientThumbprints: options.Recipients.Select(r => r.Thumbprint).ToArray(),
                digest: options.SigningKey != null ? digest : null,
                contentEncryption: options.Recipients.Count > 0 ? options.ContentEncryption : null,
                subject: message.Message.Subject);
        }

        /// <summary>The digest actually used: Ed25519 signatures with signed attributes use SHA-512 (RFC 8419 §3).</summary>
        private static DigestAlgorithm DigestFor(ProtectOptions options) =>
            options.SigningKey == null ? options.Digest : SignedDataBuilder.DigestFor(options.SigningKey, options.Digest);

        private static void WriteSignedOrCanonical(MessageToProtect message, Stream output, ProtectOptions options, DigestAlgorithm digest,
            DateTimeOffset now, CancellationToken cancellationToken)
        {
            if (options.SigningKey == null)
            {
                message.WriteBody(output, cancellationToken);
            }
            else if (options.Opaque)
            {
                WriteAscii(output, "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"\r\n"
                    + "Content-Transfer-Encoding: base64\r\n"
                    + "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n");
                var encoded = CanonicalForm.Base64Encoder(output);
                SignedDataBuilder.WriteEncapsulated(
                    content => message.WriteBody(content, cancellationToken), encoded, SigningOptionsFor(options, digest, now));
                encoded.Finish();
            }
            else
            {
                WriteMultipartSigned(message, output, options, digest, now, cancellationToken);
            }
        }

        private static void WriteMultipartSigned(MessageToProtect message, Stream output, ProtectOptions options, DigestAlgorithm digest,
            DateTimeOffset now, CancellationToken cancellationToken)
        {
            var boundary = "=-smimetools-" + Guid.NewGuid().ToString("N");
            WriteAscii(output, "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg="
                + AlgorithmPolicy.MicAlg(digest) + ";\r\n\tboundary=\"" + boundary + "\"\r\n\r\n"
                + "This is a cryptographically signed message in MIME format.\r\n\r\n--" + boundary + "\r\n");

            byte[] contentDigest;
            using (var hashing = new HashingStream(output, SoftwareKey.HashName(digest)))
            {
                message.WriteBody(hashing, cancellationToken);
                contentDigest = hashing.GetHashAndReset();
            }

            var signature = SignedDataBuilder.CreateDetached(contentDigest, SigningOptionsFor(options, digest, now));
            WriteAscii(output, "\r\n--" + boundary + "\r\n"
                + "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
                + "Content-Description: S/MIME Cryptographic Signature\r\n\r\n");
            WriteAscii(output, Base64Lines(signature));
            WriteAscii(output, "\r\n--" + boundary + "--\r\n");
        }

        /// <summary>About how many bytes the protected content will be, for fitting buffers: the input, and a signature's room.</summary>
        private static long Expected(MessageInput input, ProtectOptions options) =>
            input.Length is { } length ? length + (options.SigningKey != null ? 8 * 1024 : 0) : -1;

        /// <summary>
        /// Writes the pkcs7-mime entity whose plaintext <paramref name="writeContent"/> writes: encrypted as it is written,
        /// with no scratch copy of the inner entity.
        /// </summary>
        private static void WriteEnveloped(Stream output, ProtectOptions options, CancellationToken cancellationToken, Action<Stream> writeContent,
            long expectedBytes)
        {
            var smimeType = AlgorithmPolicy.IsAuthenticated(options.ContentEncryption) ? "authEnveloped-data" : "enveloped-data";
            WriteAscii(output, $"Content-Type: application/pkcs7-mime; smime-type={smimeType}; name=\"smime.p7m\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n");
            var encoded = CanonicalForm.Base64Encoder(output, expectedBytes);
            using (var plaintext = EnvelopedDataWriter.Open(encoded, new EncryptionOptions
            {
                Recipients = options.Recipients,
                ContentEncryption = options.ContentEncryption,
                KeyEncryption = options.KeyEncryption,
            }, cancellationToken, expectedBytes))
            {
                writeContent(plaintext);
                plaintext.Finish();
            }

            encoded.Finish();
        }

        private static SigningOptions SigningOptionsFor(ProtectOptions options, DigestAlgorithm digest, DateTimeOffset now) => new()
        {
            Key = options.SigningKey!,
            Digest = digest,
            Algorithm = options.SignatureAlgorithm,
            Certificates = options.SignatureCertificates,
            Capabilities = OurCapabilities,
            EncryptionKeyPreference = options.EncryptionCertificate != null
                && options.EncryptionCertificate.Thumbprint != options.SigningKey!.Certificate.Thumbprint
                    ? options.EncryptionCertificate
                    : null,
            SigningTime = options.SigningTime ?? now,
        };

        private static string Base64Lines(byte[] data)
        {
            var text = Convert.ToBase64String(data);
            var builder = new StringBuilder(text.Length + text.Length / 76 * 2 + 2);
            for (var i = 0; i < text.Length; i += 76)
            {
                builder.Append(text, i, Math.Min(76, text.Length - i)).Append("\r\n");
            }

            return builder.ToString();
        }

        private static void WriteAscii(Stream output, string text) => output.Write(Encoding.ASCII.GetBytes(text));
    }
}
