using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// The parts of an EnvelopedData (RFC 5652 §6.1) or AuthEnvelopedData (RFC 5083) read with <see cref="Asn1StreamingReader"/>
    /// in one forward pass: the head up to the encrypted content is parsed and kept as its encoded elements; the encrypted
    /// content is then either streamed out for decryption (<see cref="OpenContent"/>) or passed through undecrypted to a copy
    /// with other recipients (<see cref="PassContent"/>); the elements after it are kept as encoded (<see cref="ReadTail"/>).
    /// </summary>
    internal sealed class EnvelopedDataStructure
    {
        private readonly Asn1StreamingReader _reader;
        private readonly Asn1StreamingHeader? _content;
        private readonly byte[] _contentType;
        private readonly byte[] _algorithm;
        private bool _tailRead;

        private EnvelopedDataStructure(
            Asn1StreamingReader reader, bool isAuthenticated, int version, byte[]? originatorInfo, IReadOnlyList<byte[]> recipientInfoElements,
            IReadOnlyList<RecipientInfo> recipientInfos, byte[] contentType, string contentTypeOid, byte[] algorithm, AlgorithmIdentifier algorithmIdentifier,
            Asn1StreamingHeader? content)
        {
            _reader = reader;
            IsAuthenticated = isAuthenticated;
            Version = version;
            OriginatorInfo = originatorInfo;
            RecipientInfoElements = recipientInfoElements;
            RecipientInfos = recipientInfos;
            Entries = RecipientEntry.ReadAll(recipientInfos);
            _contentType = contentType;
            ContentType = contentTypeOid;
            _algorithm = algorithm;
            AlgorithmIdentifier = algorithmIdentifier;
            _content = content;
        }

        public bool IsAuthenticated { get; }

        public int Version { get; }

        /// <summary>The originatorInfo element as encoded, or null when absent.</summary>
        public byte[]? OriginatorInfo { get; }

        /// <summary>Each RecipientInfo as it was encoded, in message order.</summary>
        public IReadOnlyList<byte[]> RecipientInfoElements { get; }

        public IReadOnlyList<RecipientInfo> RecipientInfos { get; }

        public IReadOnlyList<RecipientEntry> Entries { get; }

        /// <summary>The OID of the encrypted content's type; id-data for S/MIME.</summary>
        public string ContentType { get; }

        public AlgorithmIdentifier AlgorithmIdentifier { get; }

        /// <summary>False when the encrypted content is detached (absent from the message).</summary>
        public bool HasContent => _content.HasValue;

        /// <summary>EnvelopedData's [1] unprotectedAttrs as encoded, once <see cref="ReadTail"/> found them; else null.</summary>
        public byte[]? UnprotectedAttributes { get; private set; }

        /// <summary>AuthEnvelopedData's [1] authAttrs as encoded, once <see cref="ReadTail"/> found them; else null.</summary>
        public byte[]? AuthenticatedAttributes { get; private set; }

        /// <summary>AuthEnvelopedData's mac (an OCTET STRING) as encoded, once <see cref="ReadTail"/> has run.</summary>
        public byte[]? Mac { get; private set; }

        /// <summary>AuthEnvelopedData's [2] unauthAttrs as encoded, once <see cref="ReadTail"/> found them; else null.</summary>
        public byte[]? UnauthenticatedAttributes { get; private set; }

        /// <summary>
        /// Reads ContentInfo, the envelope's version, originatorInfo, recipientInfos, and the encrypted content's type and
        /// algorithm, stopping after the header of the encrypted content. Damage is <see cref="ErrorIds.MalformedMessage"/>;
        /// detached content is <see cref="ErrorIds.UnsupportedAlgorithm"/> when <paramref name="requireContent"/>, else <see cref="HasContent"/> false.
        /// </summary>
        public static EnvelopedDataStructure ReadHead(Asn1StreamingReader reader, bool requireContent)
        {
            var header = reader.ReadHeader();
            if (!header.IsUniversal(Asn1StreamingHeader.TagSequence) || !header.IsConstructed)
            {
                throw reader.Malformed("it does not start with a CMS ContentInfo");
            }

            reader.Enter(header);
            string type = reader.ReadObjectIdentifier("the content type");
            if (type != EnvelopingOids.EnvelopedData && type != EnvelopingOids.AuthEnvelopedData)
            {
                throw reader.Malformed($"it is CMS {EnvelopingOids.NameOf(type)} content, not an encrypted message");
            }

            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassContext, 0, "the content ([0])"));
            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagSequence, "the envelope SEQUENCE"));
            var versionHeader = reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagInteger, "the version");
            byte[] versionBytes = reader.ReadContents(versionHeader);
            int version = reader.Decode(() => new DerInteger(versionBytes).IntValueExact, "the version");

            byte[]? originatorInfo = null;
            var next = reader.ReadHeader();
            if (next.IsContext(0))
            {
                originatorInfo = reader.ReadElement(next);
                next = reader.ReadHeader();
            }

            if (!next.IsUniversal(Asn1StreamingHeader.TagSet) || !next.IsConstructed)
            {
                throw reader.Malformed($"the recipientInfos SET was expected but a {next.Describe()} was found");
            }

            var elements = new List<byte[]>();
            reader.Enter(next);
            while (reader.HasMore())
            {
                elements.Add(reader.ReadElement(reader.ReadHeader()));
            }

            reader.Leave();
            var recipientInfos = reader.Decode(
                () => elements.Select(e => RecipientInfo.GetInstance(Asn1Object.FromByteArray(e))).ToArray(), "a recipient entry (RecipientInfo)");

            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagSequence, "the encrypted content info"));
            byte[] contentType = reader.ReadElement(reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagObjectIdentifier, "the encrypted content type"));
            string contentTypeOid = reader.Decode(() => DerObjectIdentifier.GetInstance(Asn1Object.FromByteArray(contentType)).Id, "the encrypted content type");
            byte[] algorithm = reader.ReadElement(reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagSequence, "the content-encryption algorithm"));
            var algorithmIdentifier = reader.Decode(() => AlgorithmIdentifier.GetInstance(Asn1Object.FromByteArray(algorithm)), "the content-encryption algorithm");
            Asn1StreamingHeader? content = reader.HasMore() ? reader.ReadHeader(Asn1StreamingHeader.ClassContext, 0, "the encrypted content ([0])") : null;
            var structure = new EnvelopedDataStructure(
                reader, type == EnvelopingOids.AuthEnvelopedData, version, originatorInfo, elements, recipientInfos, contentType, contentTypeOid, algorithm,
                algorithmIdentifier, content);
            if (requireContent)
            {
                structure.RequireContent();
            }

            return structure;
        }

        /// <summary>Throws <see cref="ErrorIds.UnsupportedAlgorithm"/> when the encrypted content is detached.</summary>
        public void RequireContent()
        {
            if (!HasContent)
            {
                throw EnvelopedErrors.UnsupportedAlgorithm("its encrypted content is detached (not inside the message)");
            }
        }

        /// <summary>
        /// The encrypted content octets, whatever their BER segmentation; read it to its end, then call <see cref="ReadTail"/>.
        /// </summary>
        public Stream OpenContent()
        {
            RequireContent();
            return new Asn1StreamingOctetStream(_reader, _content!.Value, implicitlyTagged: true);
        }

        /// <summary>
        /// A buffer size for the encrypted content: its length when it has one (up to 64 KiB), else that of the reader's
        /// buffer, which is fitted to the input.
        /// </summary>
        public int ContentBufferLength => _content is { IsIndefinite: false } content
            ? IO.BufferSizes.For(content.Length)
            : Math.Min(_reader.BufferLength, IO.BufferSizes.Default);

        /// <summary>The content encryption; unknown algorithms are <see cref="ErrorIds.UnsupportedAlgorithm"/>.</summary>
        public ContentCipherAlgorithm ParseAlgorithm() => ContentCipherAlgorithm.Parse(AlgorithmIdentifier);

        /// <summary>Writes the head of the copy: the same content type, originatorInfo and encrypted content type and algorithm, with the given version and recipientInfos.</summary>
        public void WriteHead(Stream output, int version, IReadOnlyList<byte[]> recipientInfoElements)
        {
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.Sequence);
            Asn1StreamingWriter.WriteDer(output, new DerObjectIdentifier(IsAuthenticated ? EnvelopingOids.AuthEnvelopedData : EnvelopingOids.EnvelopedData));
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.ContextZero);
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.Sequence);
            Asn1StreamingWriter.WriteDer(output, DerInteger.ValueOf(version));
            if (OriginatorInfo != null)
            {
                output.Write(OriginatorInfo);
            }

            // BER leaves a SET OF unsorted, so the old entries keep their bytes and their order, the new ones follow.
            long length = recipientInfoElements.Sum(e => (long)e.Length);
            output.Write(Asn1StreamingReader.EncodeHeader(new Asn1StreamingHeader(Asn1StreamingHeader.ClassUniversal, true, Asn1StreamingHeader.TagSet, length, 0, 0)));
            foreach (var element in recipientInfoElements)
            {
                output.Write(element);
            }

            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.Sequence);
            output.Write(_contentType);
            output.Write(_algorithm);
        }

        /// <summary>
        /// Copies the encrypted content to <paramref name="output"/> with its segments as they are (constructed parts written
        /// indefinite-length, so a shorter header never breaks an outer length), and returns its SHA-256, length and last bytes.
        /// A <paramref name="decryptor"/>, when given, is fed the content as it passes (its plaintext dropped), to check the key against the tag afterwards.
        /// </summary>
        public EncryptedContentSummary PassContent(Stream output, CancellationToken cancellationToken, ContentCipher? decryptor = null)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var summary = new EncryptedContentSummary { Decryptor = decryptor };
            RequireContent();
            PassOctets(_content!.Value, output, hash, summary, new byte[ContentBufferLength], cancellationToken);
            Asn1StreamingWriter.WriteEndOfContents(output);
            summary.Digest = hash.GetHashAndReset();
            return summary;
        }

        /// <summary>
        /// Copies unprotectedAttrs, or authAttrs, mac and unauthAttrs, as they were encoded, checks the structure closes, and
        /// closes the copy. Call after <see cref="PassContent"/>.
        /// </summary>
        public void PassTail(Stream output)
        {
            ReadTail();

            // ReadTail allows each element once and in this order only.
            foreach (var element in new[] { UnprotectedAttributes, AuthenticatedAttributes, Mac, UnauthenticatedAttributes })
            {
                if (element != null)
                {
                    output.Write(element);
                }
            }

            Asn1StreamingWriter.WriteEndOfContents(output, 3);
        }

        /// <summary>
        /// AuthEnvelopedData, after <see cref="ReadTail"/>: gives <paramref name="decryptor"/> the tag (mac) to check and the
        /// associated data, which RFC 5083 §2.1 makes the DER of authAttrs with its SET OF tag.
        /// </summary>
        public void Authenticate(ContentCipher decryptor)
        {
            decryptor.SetExpectedTag(_reader.Decode(() => Asn1OctetString.GetInstance(Asn1Object.FromByteArray(Mac!)).GetOctets(), "the authentication tag (mac)"));
            if (AuthenticatedAttributes != null)
            {
                decryptor.AddAssociatedData(_reader.Decode(
                    () => Asn1Set.GetInstance(Asn1TaggedObject.GetInstance(Asn1Object.FromByteArray(AuthenticatedAttributes)), false).GetEncoded(Asn1Encodable.Der),
                    "the attributes after the encrypted content"));
            }
        }

        /// <summary>
        /// Reads unprotectedAttrs, or authAttrs, mac and unauthAttrs, into the properties that name them, and checks that the
        /// structure closes (end-of-contents markers and lengths) up to the end of the ContentInfo. Call once the content is read; again, it does nothing.
        /// </summary>
        public void ReadTail()
        {
            if (_tailRead)
            {
                return;
            }

            _tailRead = true;
            _reader.Leave();
            int lastStage = 0;
            while (_reader.HasMore())
            {
                var header = _reader.ReadHeader();

                // EnvelopedData: [1] unprotectedAttrs. AuthEnvelopedData: [1] authAttrs, mac, [2] unauthAttrs. Each at most once, in order.
                int stage = header.IsContext(1) ? 1
                    : IsAuthenticated && header.IsUniversal(Asn1StreamingHeader.TagOctetString) ? 2
                    : IsAuthenticated && header.IsContext(2) ? 3
                    : 0;
                if (stage <= lastStage)
                {
                    throw _reader.Malformed($"a {header.Describe()} was found after the encrypted content, where it does not belong");
                }

                lastStage = stage;
                byte[] element = _reader.ReadElement(header);
                switch (stage)
                {
                    case 1 when IsAuthenticated:
                        AuthenticatedAttributes = element;
                        break;
                    case 1:
                        UnprotectedAttributes = element;
                        break;
                    case 2:
                        Mac = element;
                        break;
                    default:
                        UnauthenticatedAttributes = element;
                        break;
                }
            }

            if (IsAuthenticated && Mac == null)
            {
                throw _reader.Malformed("its authentication tag (mac) is missing");
            }

            _reader.Leave();
            _reader.Leave();
            _reader.Leave();
        }

        private void PassOctets(in Asn1StreamingHeader header, Stream output, IncrementalHash hash, EncryptedContentSummary summary, byte[] buffer, CancellationToken cancellationToken)
        {
            if (!header.IsConstructed)
            {
                output.Write(Asn1StreamingReader.EncodeHeader(header));
                long remaining = header.Length;
                while (remaining > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int n = _reader.Read(buffer, remaining);
                    if (n == 0)
                    {
                        throw _reader.Truncated();
                    }

                    output.Write(buffer, 0, n);
                    hash.AppendData(buffer, 0, n);
                    summary.Add(buffer.AsSpan(0, n));
                    summary.Decrypt(buffer, n);
                    remaining -= n;
                }

                return;
            }

            byte tag = (byte)(header.TagClass | 0x20 | header.TagNumber);
            Asn1StreamingWriter.WriteIndefinite(output, tag);
            _reader.Enter(header);
            while (_reader.HasMore())
            {
                var segment = _reader.ReadHeader();
                if (!segment.IsUniversal(Asn1StreamingHeader.TagOctetString))
                {
                    throw _reader.Malformed($"a segment of the encrypted content is a {segment.Describe()}, not an OCTET STRING");
                }

                PassOctets(segment, output, hash, summary, buffer, cancellationToken);
            }

            _reader.Leave();
            Asn1StreamingWriter.WriteEndOfContents(output);
        }
    }
}
