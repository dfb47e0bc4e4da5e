using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using Org.BouncyCastle.Asn1;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Reads an encrypted CMS message (EnvelopedData or AuthEnvelopedData in a ContentInfo, BER or DER) from a stream in
    /// one forward pass with flat memory: <see cref="Open"/> reads up to the encrypted content and lists the recipients;
    /// <see cref="Decrypt(IReadOnlyList{IKeyDecryptor}, Stream, CancellationToken)"/> finds a matching key, recovers the
    /// content-encryption key through it, and streams the plaintext out.
    /// </summary>
    /// <remarks>
    /// Plaintext is written as it is decrypted, before the end of the message is reached. When decryption fails with
    /// <see cref="ErrorIds.DecryptionFailed"/> (CBC padding, or an AES-GCM / ChaCha20-Poly1305 tag that does not match),
    /// or with any other error, what was written must be discarded: write to a temporary file and keep it only when
    /// <c>Decrypt</c> returns.
    /// </remarks>
    public sealed class EnvelopedDataReader
    {
        private readonly Asn1StreamingReader _reader;
        private readonly EnvelopedDataStructure _structure;
        private readonly ContentCipherAlgorithm? _algorithm;
        private readonly SmimeException? _algorithmProblem;
        private bool _decrypted;

        private EnvelopedDataReader(Asn1StreamingReader reader, EnvelopedDataStructure structure)
        {
            _reader = reader;
            _structure = structure;
            Recipients = structure.Entries.Select(e => e.Description).ToArray();
            ContentType = structure.ContentType;
            ContentEncryptionAlgorithmOid = structure.AlgorithmIdentifier.Algorithm.Id;
            try
            {
                _algorithm = structure.ParseAlgorithm();
            }
            catch (SmimeException e)
            {
                // Listing recipients still works for a message this module cannot decrypt; Decrypt reports the problem.
                _algorithmProblem = e;
            }
        }

        /// <summary>True for AuthEnvelopedData (RFC 5083), false for EnvelopedData.</summary>
        public bool IsAuthenticated => _structure.IsAuthenticated;

        /// <summary>The OID of the encrypted content's type; id-data for S/MIME.</summary>
        public string ContentType { get; }

        /// <summary>The content encryption, or null when it is an algorithm this module does not know (see <see cref="ContentEncryptionAlgorithmOid"/>).</summary>
        public ContentEncryptionAlgorithm? ContentEncryptionAlgorithm => _algorithm?.Algorithm;

        public string ContentEncryptionAlgorithmOid { get; }

        /// <summary>"AES-256-CBC", "RC2-CBC (40-bit)", or the OID of an unknown algorithm.</summary>
        public string ContentEncryptionAlgorithmName => _algorithm?.Name ?? EnvelopingOids.NameOf(ContentEncryptionAlgorithmOid);

        /// <summary>True when the content algorithm is no longer considered safe (3DES, RC2, DES).</summary>
        public bool IsWeak => _algorithm?.IsWeak ?? false;

        /// <summary>Every recipient the message was encrypted to, in message order.</summary>
        public IReadOnlyList<EnvelopedRecipient> Recipients { get; }

        /// <summary>
        /// Reads the message up to its encrypted content. <paramref name="input"/> is read forwards only and not closed;
        /// it must stay open until <see cref="Decrypt(IReadOnlyList{IKeyDecryptor}, Stream, CancellationToken)"/> is done.
        /// Throws <see cref="SmimeException"/> with <see cref="ErrorIds.MalformedMessage"/> when the data is not an encrypted CMS message.
        /// </summary>
        public static EnvelopedDataReader Open(Stream input)
        {
            ArgumentNullException.ThrowIfNull(input);

            // No read-ahead until Decrypt: listing recipients consumes nothing of the encrypted content.
            var reader = new Asn1StreamingReader(input, "The encrypted message") { ReadsAhead = false };
            return new EnvelopedDataReader(reader, EnvelopedDataStructure.ReadHead(reader, requireContent: false));
        }

        /// <summary>
        /// Hands the message, read up to its content, to a rewrite that copies the rest (adding recipients): it is then consumed,
        /// as after <see cref="Decrypt(IReadOnlyList{IKeyDecryptor}, Stream, CancellationToken)"/>.
        /// </summary>
        internal EnvelopedDataStructure TakeStructure()
        {
            if (_decrypted)
            {
                throw new InvalidOperationException("The message has already been read; open it again to read it again.");
            }

            _decrypted = true;
            _reader.ReadsAhead = true;
            return _structure;
        }

        /// <summary>Reads <paramref name="input"/> and decrypts it into <paramref name="output"/>; see the remarks on discarding output.</summary>
        public static DecryptionResult Decrypt(Stream input, Stream output, IReadOnlyList<IKeyDecryptor> keys, CancellationToken cancellationToken = default) =>
            Open(input).Decrypt(keys, output, cancellationToken);

        /// <summary>The recipients of the message in <paramref name="input"/>, reading no further than the start of its encrypted content.</summary>
        public static IReadOnlyList<EnvelopedRecipient> ReadRecipients(Stream input) => Open(input).Recipients;

        /// <summary>
        /// Finds the first recipient one of <paramref name="keys"/> belongs to, recovers the content-encryption key with it and
        /// streams the plaintext to <paramref name="output"/> (not closed). Reads the content once: after
        /// <see cref="ErrorIds.NoDecryptionKey"/> it may be called again with other keys, after anything else not.
        /// Errors (all <see cref="SmimeException"/>): <see cref="ErrorIds.NoDecryptionKey"/> (a <see cref="DecryptionKeyNotFoundException"/>,
        /// before anything is written), <see cref="ErrorIds.DecryptionFailed"/>, <see cref="ErrorIds.MalformedMessage"/>,
        /// <see cref="ErrorIds.UnsupportedAlgorithm"/>. On any of them, discard what was written to <paramref name="output"/>.
        /// </summary>
        public DecryptionResult Decrypt(IReadOnlyList<IKeyDecryptor> keys, Stream output, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(keys);
            ArgumentNullException.ThrowIfNull(output);
            if (_decrypted)
            {
                throw new InvalidOperationException("The message has already been read; open it again to decrypt it again.");
            }

            ContentCipherAlgorithm algorithm = _algorithm ?? throw _algorithmProblem!;
            if (algorithm.IsAuthenticated != IsAuthenticated)
            {
                throw IsAuthenticated
                    ? EnvelopedErrors.UnsupportedAlgorithm($"it is AuthEnvelopedData whose content algorithm, {algorithm.Name}, does not authenticate")
                    : EnvelopedErrors.UnsupportedAlgorithm($"it is EnvelopedData with {algorithm.Name} content, which belongs in AuthEnvelopedData");
            }

            // Nothing of the content has been read yet: after NoDecryptionKey the caller may try again with other keys.
            (RecipientEntry entry, IKeyDecryptor key) = RecipientEntry.FindFor(_structure.Entries, keys);
            _decrypted = true;
            // A key transport that failed gives a stand-in key, and fails below where a wrong key fails (RFC 3218 §2.3.2).
            byte[] contentKey = entry.RecoverContentKey(key, algorithm);
            try
            {
                using var cipher = CreateDecryptor(algorithm, contentKey);
                _reader.ReadsAhead = true;
                long length = StreamContent(cipher, output, cancellationToken);
                _structure.ReadTail();
                var unprotected = Attributes(_structure.UnprotectedAttributes);
                var authenticated = Attributes(_structure.AuthenticatedAttributes);
                var unauthenticated = Attributes(_structure.UnauthenticatedAttributes);
                if (IsAuthenticated)
                {
                    _structure.Authenticate(cipher);
                }

                var last = new byte[ContentCipher.MaxExpansion];
                int lastCount;
                try
                {
                    lastCount = cipher.Finish(last);
                }
                catch (CryptographicException)
                {
                    // No inner exception: the error must be the same whether the key transport or the content failed.
                    throw EnvelopedErrors.DecryptionFailed();
                }

                output.Write(last, 0, lastCount);
                length += lastCount;
                return new DecryptionResult(
                    IsAuthenticated, algorithm.Algorithm, algorithm.Oid, algorithm.Name, ContentType, entry.Description, key,
                    Recipients, unprotected, authenticated, unauthenticated, length);
            }
            finally
            {
                Array.Clear(contentKey);
            }
        }

        private static ContentCipher CreateDecryptor(ContentCipherAlgorithm algorithm, byte[] contentKey)
        {
            try
            {
                return algorithm.CreateDecryptor(contentKey);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException or InvalidOperationException)
            {
                throw EnvelopedErrors.DecryptionFailed($"the recovered key does not fit {algorithm.Name}", e);
            }
        }

        private long StreamContent(ContentCipher cipher, Stream output, CancellationToken cancellationToken)
        {
            Stream content = _structure.OpenContent();
            var input = new byte[_structure.ContentBufferLength];
            var plain = new byte[input.Length + ContentCipher.MaxExpansion];
            long length = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // BER segments may be small (openssl -stream writes 4 KiB): the cipher gets whole buffers all the same.
                int read = content.ReadAtLeast(input, input.Length, throwOnEndOfStream: false);
                if (read == 0)
                {
                    break;
                }

                int written = cipher.Update(input, 0, read, plain);
                output.Write(plain, 0, written);
                length += written;
            }

            return length;
        }

        /// <summary>The SET OF Attribute an IMPLICIT [1] or [2] element holds.</summary>
        private Asn1Set ImplicitSet(byte[] element) =>
            _reader.Decode(() => Asn1Set.GetInstance(Asn1TaggedObject.GetInstance(Asn1Object.FromByteArray(element)), false), "the attributes after the encrypted content");

        private EnvelopedAttribute[] Attributes(byte[]? element)
        {
            if (element == null)
            {
                return Array.Empty<EnvelopedAttribute>();
            }

            var set = ImplicitSet(element);
            return _reader.Decode(
                () => set
                    .Cast<Asn1Encodable>()
                    .Select(Org.BouncyCastle.Asn1.Cms.Attribute.GetInstance)
                    .Select(a => new EnvelopedAttribute(
                        a.AttrType.Id,
                        a.AttrValues.Cast<Asn1Encodable>().Select(v => v.GetEncoded(Asn1Encodable.Der)).ToArray()))
                    .ToArray(),
                "the attributes after the encrypted content");
        }
    }
}
