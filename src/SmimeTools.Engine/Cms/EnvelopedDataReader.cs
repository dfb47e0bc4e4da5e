using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
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
        private const int BufferSize = 64 * 1024;

        private readonly EnvelopedDataParser? _enveloped;
        private readonly AuthEnvelopedDataParser? _authEnveloped;
        private readonly EncryptedContentInfoParser _contentInfo;
        private readonly IReadOnlyList<RecipientEntry> _entries;
        private readonly ContentCipherAlgorithm? _algorithm;
        private readonly SmimeException? _algorithmProblem;
        private bool _decrypted;

        private EnvelopedDataReader(
            EnvelopedDataParser? enveloped,
            AuthEnvelopedDataParser? authEnveloped,
            EncryptedContentInfoParser contentInfo,
            IReadOnlyList<RecipientEntry> entries)
        {
            _enveloped = enveloped;
            _authEnveloped = authEnveloped;
            _contentInfo = contentInfo;
            _entries = entries;
            Recipients = entries.Select(e => e.Description).ToArray();
            ContentType = contentInfo.ContentType.Id;
            ContentEncryptionAlgorithmOid = contentInfo.ContentEncryptionAlgorithm.Algorithm.Id;
            try
            {
                _algorithm = ContentCipherAlgorithm.Parse(contentInfo.ContentEncryptionAlgorithm);
            }
            catch (SmimeException e)
            {
                // Listing recipients still works for a message this module cannot decrypt; Decrypt reports the problem.
                _algorithmProblem = e;
            }
        }

        /// <summary>True for AuthEnvelopedData (RFC 5083), false for EnvelopedData.</summary>
        public bool IsAuthenticated => _authEnveloped != null;

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
            var source = new SourceStream(input);
            return Parse(() =>
            {
                var parser = new Asn1StreamParser(source);
                var sequence = parser.ReadObject() as Asn1SequenceParser
                    ?? throw EnvelopedErrors.Malformed("it does not start with a CMS ContentInfo");
                var contentInfo = new ContentInfoParser(sequence);
                string type = contentInfo.ContentType.Id;
                Asn1SetParser recipientInfos;
                EncryptedContentInfoParser encryptedContentInfo;
                if (type == EnvelopingOids.EnvelopedData)
                {
                    var enveloped = new EnvelopedDataParser((Asn1SequenceParser)contentInfo.GetContent(Asn1Tags.Sequence));
                    recipientInfos = enveloped.GetRecipientInfos();
                    var entries = RecipientEntry.ReadAll(Asn1Set.GetInstance(recipientInfos.ToAsn1Object()));
                    encryptedContentInfo = enveloped.GetEncryptedContentInfo() ?? throw EnvelopedErrors.Malformed("it has no encrypted content");
                    return new EnvelopedDataReader(enveloped, null, encryptedContentInfo, entries);
                }

                if (type == EnvelopingOids.AuthEnvelopedData)
                {
                    var authEnveloped = new AuthEnvelopedDataParser((Asn1SequenceParser)contentInfo.GetContent(Asn1Tags.Sequence));
                    recipientInfos = authEnveloped.GetRecipientInfos();
                    var entries = RecipientEntry.ReadAll(Asn1Set.GetInstance(recipientInfos.ToAsn1Object()));
                    encryptedContentInfo = authEnveloped.GetAuthEncryptedContentInfo() ?? throw EnvelopedErrors.Malformed("it has no encrypted content");
                    return new EnvelopedDataReader(null, authEnveloped, encryptedContentInfo, entries);
                }

                throw EnvelopedErrors.Malformed($"it is CMS {EnvelopingOids.NameOf(type)} content, not an encrypted message");
            });
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
            (RecipientEntry entry, IKeyDecryptor key) = RecipientEntry.FindFor(_entries, keys);
            _decrypted = true;
            byte[] contentKey = entry.RecoverContentKey(key, algorithm, out bool keyRecoveryFailed);
            try
            {
                using var cipher = CreateDecryptor(algorithm, contentKey);
                long length = StreamContent(cipher, output, cancellationToken);
                var unprotected = Array.Empty<EnvelopedAttribute>();
                var authenticated = Array.Empty<EnvelopedAttribute>();
                var unauthenticated = Array.Empty<EnvelopedAttribute>();
                if (_enveloped != null)
                {
                    unprotected = Attributes(Parse(() => _enveloped.GetUnprotectedAttrs()?.ToAsn1Object()));
                }
                else
                {
                    var authAttrs = Parse(() => _authEnveloped!.GetAuthAttrs()?.ToAsn1Object());
                    var mac = Parse(() => _authEnveloped!.GetMac()) ?? throw EnvelopedErrors.Malformed("its authentication tag (mac) is missing");
                    unauthenticated = Attributes(Parse(() => _authEnveloped!.GetUnauthAttrs()?.ToAsn1Object()));
                    authenticated = Attributes(authAttrs);
                    cipher.SetExpectedTag(mac.GetOctets());
                    if (authAttrs != null)
                    {
                        // RFC 5083 §2.1: the associated data is the DER of authAttrs with its SET OF tag.
                        cipher.AddAssociatedData(Asn1Set.GetInstance(authAttrs).GetEncoded(Asn1Encodable.Der));
                    }
                }

                var last = new byte[ContentCipher.MaxExpansion];
                int lastCount;
                try
                {
                    lastCount = cipher.Finish(last);
                }
                catch (CryptographicException e)
                {
                    // After a failed key transport the error is the same whatever failed (RFC 3218 §2.3.2).
                    throw keyRecoveryFailed ? EnvelopedErrors.DecryptionFailed() : EnvelopedErrors.DecryptionFailed(null, e);
                }

                if (keyRecoveryFailed)
                {
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
            var encrypted = Parse(() => _contentInfo.GetEncryptedContent(Asn1Tags.OctetString) as Asn1OctetStringParser)
                ?? throw EnvelopedErrors.UnsupportedAlgorithm("its encrypted content is detached (not inside the message)");
            Stream content = Parse(encrypted.GetOctetStream);
            var input = new byte[BufferSize];
            var plain = new byte[BufferSize + ContentCipher.MaxExpansion];
            long length = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int read = Parse(() => content.Read(input, 0, input.Length));
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

        private static EnvelopedAttribute[] Attributes(Asn1Object? set)
        {
            if (set == null)
            {
                return Array.Empty<EnvelopedAttribute>();
            }

            return Parse(() => Asn1Set.GetInstance(set)
                .Cast<Asn1Encodable>()
                .Select(Org.BouncyCastle.Asn1.Cms.Attribute.GetInstance)
                .Select(a => new EnvelopedAttribute(
                    a.AttrType.Id,
                    a.AttrValues.Cast<Asn1Encodable>().Select(v => v.GetEncoded(Asn1Encodable.Der)).ToArray()))
                .ToArray());
        }

        /// <summary>
        /// Runs a step of the BouncyCastle parser: its complaints about the data become MalformedMessage; failures of the
        /// underlying stream (a disk error) pass through as they are.
        /// </summary>
        private static T Parse<T>(Func<T> step)
        {
            try
            {
                return step();
            }
            catch (SourceException e)
            {
                ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
                throw;
            }
            catch (Exception e) when (e is IOException or InvalidCastException or ArgumentException or InvalidOperationException or FormatException or OverflowException)
            {
                throw EnvelopedErrors.Malformed(Describe(e), e);
            }
        }

        private static string Describe(Exception e) => e is EndOfStreamException || e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("EOF", StringComparison.Ordinal)
            ? $"it ends before its structure is complete; it was probably truncated ({e.Message})"
            : $"its ASN.1 structure is damaged ({e.Message})";

        /// <summary>An exception of the underlying stream, carried through the parser so it is not mistaken for bad data.</summary>
        private sealed class SourceException : IOException
        {
            public SourceException(Exception inner)
                : base(inner.Message, inner)
            {
            }
        }

        /// <summary>Wraps the caller's stream so its own failures can be told apart from malformed data.</summary>
        private sealed class SourceStream : ForwardReadStream
        {
            private readonly Stream _inner;

            public SourceStream(Stream inner) => _inner = inner;

            public override int Read(byte[] buffer, int offset, int count)
            {
                try
                {
                    return _inner.Read(buffer, offset, count);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new SourceException(e);
                }
            }

            public override int Read(Span<byte> buffer)
            {
                try
                {
                    return _inner.Read(buffer);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new SourceException(e);
                }
            }

            public override int ReadByte()
            {
                try
                {
                    return _inner.ReadByte();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new SourceException(e);
                }
            }
        }
    }
}
