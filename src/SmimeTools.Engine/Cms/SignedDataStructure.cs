using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// The parts of a SignedData (RFC 5652 §5.1) read with <see cref="Asn1StreamingReader"/>: the head up to the
    /// encapsulated content, which the caller streams, then the tail (certificates, CRLs, signer infos), which is
    /// small and kept whole.
    /// </summary>
    internal sealed class SignedDataStructure
    {
        private byte[]? _certificates;
        private byte[]? _crls;
        private byte[]? _signerInfos;

        private SignedDataStructure(int version, IReadOnlyList<string> digestAlgorithmOids, string contentType)
        {
            Version = version;
            DigestAlgorithmOids = digestAlgorithmOids;
            ContentType = contentType;
        }

        public int Version { get; }

        public IReadOnlyList<string> DigestAlgorithmOids { get; }

        public string ContentType { get; }

        public bool HasContent { get; private set; }

        /// <summary>
        /// Reads ContentInfo, SignedData, version, digestAlgorithms and the encapsulated content type. When the
        /// content is present, <paramref name="content"/> streams it and must be read to its end before <see cref="ReadTail"/>.
        /// </summary>
        public static SignedDataStructure ReadHead(Asn1StreamingReader reader, out Asn1StreamingOctetStream? content)
        {
            var header = reader.ReadHeader();
            if (!header.IsUniversal(Asn1StreamingHeader.TagSequence) || !header.IsConstructed)
            {
                throw reader.Malformed("it does not start with a ContentInfo SEQUENCE, so it is not CMS (PKCS #7) data");
            }

            reader.Enter(header);
            string type = reader.ReadObjectIdentifier("the content type");
            if (type != CmsOid.SignedData)
            {
                throw new SmimeException(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData,
                    $"{reader.What} is CMS {CmsOid.ContentTypeName(type)}, not SignedData.",
                    "Give a signed message; encrypted or compressed layers are opened by their own readers first.");
            }

            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassContext, 0, "the SignedData content ([0])"));
            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagSequence, "the SignedData SEQUENCE"));
            var versionHeader = reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagInteger, "the SignedData version");
            int version = SmallInteger(reader, reader.ReadContents(versionHeader), "the SignedData version");
            var digestsHeader = reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagSet, "the digestAlgorithms SET");
            var digestsElement = reader.ReadElement(digestsHeader);
            var digestOids = reader.Decode(
                () =>
                {
                    var oids = new List<string>();
                    foreach (var element in Asn1Set.GetInstance(Asn1Object.FromByteArray(digestsElement)))
                    {
                        oids.Add(AlgorithmIdentifier.GetInstance(element).Algorithm.Id);
                    }

                    return oids;
                },
                "the digestAlgorithms SET");

            reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassUniversal, Asn1StreamingHeader.TagSequence, "the encapsulated content info"));
            var structure = new SignedDataStructure(version, digestOids, reader.ReadObjectIdentifier("the encapsulated content type"));
            content = null;
            if (reader.HasMore())
            {
                reader.Enter(reader.ReadHeader(Asn1StreamingHeader.ClassContext, 0, "the encapsulated content ([0])"));
                var octets = reader.ReadHeader();
                if (!octets.IsUniversal(Asn1StreamingHeader.TagOctetString))
                {
                    throw reader.Malformed($"the encapsulated content is a {octets.Describe()} rather than an OCTET STRING (PKCS #7 v1.5 content of other types is not supported)");
                }

                content = new Asn1StreamingOctetStream(reader, octets);
                structure.HasContent = true;
            }

            return structure;
        }

        /// <summary>Reads from the end of the content to the end of the ContentInfo.</summary>
        public void ReadTail(Asn1StreamingReader reader)
        {
            if (HasContent)
            {
                reader.Leave();
            }

            reader.Leave();
            while (reader.HasMore())
            {
                var header = reader.ReadHeader();
                if (header.IsContext(0))
                {
                    _certificates = reader.ReadElement(header);
                }
                else if (header.IsContext(1))
                {
                    _crls = reader.ReadElement(header);
                }
                else if (header.IsUniversal(Asn1StreamingHeader.TagSet))
                {
                    _signerInfos = reader.ReadElement(header);
                }
                else
                {
                    reader.Skip(header);
                }
            }

            reader.Leave();
            reader.Leave();
            reader.Leave();
            if (_signerInfos == null)
            {
                throw reader.Malformed("the signerInfos SET is missing");
            }
        }

        /// <summary>The embedded certificates .NET can parse, in their order, with their exact encoding.</summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.TooManyCertificates"/> past <see cref="InputLimits.MaximumCertificateCount"/>, before any is decoded.</exception>
        public IReadOnlyList<X509Certificate2> ReadCertificates(string what, InputLimits limits)
        {
            var result = new List<X509Certificate2>();
            var elements = Children(_certificates, what, Asn1StreamingHeader.TagSequence);
            if (elements.Count > limits.MaximumCertificateCount)
            {
                throw InputLimits.Exceeded(ErrorIds.TooManyCertificates, what, $"it carries {elements.Count} certificates",
                    nameof(InputLimits.MaximumCertificateCount), limits.MaximumCertificateCount);
            }

            foreach (var element in elements)
            {
                try
                {
                    result.Add(DerCertificate.Load(element));
                }
                catch (CryptographicException)
                {
                    // A certificate .NET cannot read is no signer certificate for us; the others still count.
                }
            }

            return result;
        }

        /// <summary>The embedded CRLs (CertificateList choice), DER.</summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.TooManyCrls"/> past <see cref="InputLimits.MaximumCrlCount"/>.</exception>
        public IReadOnlyList<byte[]> ReadCrls(string what, InputLimits limits)
        {
            var crls = Children(_crls, what, Asn1StreamingHeader.TagSequence);
            if (crls.Count > limits.MaximumCrlCount)
            {
                throw InputLimits.Exceeded(ErrorIds.TooManyCrls, what, $"it carries {crls.Count} CRLs", nameof(InputLimits.MaximumCrlCount), limits.MaximumCrlCount);
            }

            return crls;
        }

        /// <summary>The signer infos, each with the exact bytes of its signed attributes (tag still [0]) when present.</summary>
        public IReadOnlyList<(SignerInfo Info, byte[]? SignedAttributes)> ReadSignerInfos(string what)
        {
            var result = new List<(SignerInfo, byte[]?)>();
            foreach (var element in Children(_signerInfos, what, Asn1StreamingHeader.TagSequence))
            {
                var reader = new Asn1StreamingReader(new MemoryStream(element, false), what);
                var info = reader.Decode(() => SignerInfo.GetInstance(Asn1Object.FromByteArray(element)), "a SignerInfo");
                reader.Enter(reader.ReadHeader());
                for (int i = 0; i < 3; i++)
                {
                    // version, sid, digestAlgorithm
                    reader.Skip(reader.ReadHeader());
                }

                byte[]? signedAttributes = null;
                var next = reader.ReadHeader();
                if (next.IsContext(0))
                {
                    signedAttributes = reader.ReadElement(next);
                }

                result.Add((info, signedAttributes));
            }

            return result;
        }

        /// <summary>The signed attributes as they are signed: the [0] IMPLICIT tag replaced by SET OF (RFC 5652 §5.4).</summary>
        internal static byte[] AsSignedSet(byte[] taggedAttributes)
        {
            var copy = (byte[])taggedAttributes.Clone();
            copy[0] = 0x31;
            return copy;
        }

        private static List<byte[]> Children(byte[]? element, string what, int tagNumber)
        {
            var result = new List<byte[]>();
            if (element == null)
            {
                return result;
            }

            var reader = new Asn1StreamingReader(new MemoryStream(element, false), what);
            reader.Enter(reader.ReadHeader());
            while (reader.HasMore())
            {
                var child = reader.ReadHeader();
                if (child.IsUniversal(tagNumber))
                {
                    result.Add(reader.ReadElement(child));
                }
                else
                {
                    // Attribute certificates, other certificate and revocation formats: not used by S/MIME.
                    reader.Skip(child);
                }
            }

            reader.Leave();
            return result;
        }

        private static int SmallInteger(Asn1StreamingReader reader, byte[] contents, string meaning)
        {
            if (contents.Length == 0 || contents.Length > 4)
            {
                throw reader.Malformed($"{meaning} is not a small integer");
            }

            int value = (sbyte)contents[0];
            for (int i = 1; i < contents.Length; i++)
            {
                value = (value << 8) | contents[i];
            }

            return value;
        }
    }
}
