using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using BcAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using BcContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using BcSignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using RsassaPssParameters = Org.BouncyCastle.Asn1.Pkcs.RsassaPssParameters;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Makes CMS SignedData with any <see cref="ISigningKey"/>: the signer info is built by hand, and the key is
    /// given only the DER of the signed attributes, so file, store and token keys sign alike, for content of any
    /// size. Detached (multipart/signed) from a digest the caller computed, or encapsulated
    /// (application/pkcs7-mime) streamed in one pass.
    /// </summary>
    public static class SignedDataBuilder
    {

        /// <summary>
        /// The digest a signature with <paramref name="key"/> uses when <paramref name="requested"/> is asked for:
        /// Ed25519 always SHA-512 (RFC 8419 §3); an EC key at least the digest that matches its curve (P-384 takes
        /// SHA-384, P-521 SHA-512; RFC 5480 §4, and gpgsm refuses a shorter hash); every other key what was asked.
        /// Hash multipart/signed content with it and announce it in micalg.
        /// </summary>
        public static DigestAlgorithm DigestFor(ISigningKey key, DigestAlgorithm requested)
        {
            ArgumentNullException.ThrowIfNull(key);
            switch (key.Algorithm)
            {
                case KeyAlgorithmKind.Ed25519:
                    return DigestAlgorithm.Sha512;
                case KeyAlgorithmKind.Ec:
                    int curveBits = CurveBits(key.Certificate);
                    var matching = curveBits > 384 ? DigestAlgorithm.Sha512 : curveBits > 256 ? DigestAlgorithm.Sha384 : DigestAlgorithm.Sha256;
                    return SignedDataDigester.SizeOf(requested) < SignedDataDigester.SizeOf(matching) ? matching : requested;
                default:
                    return requested;
            }
        }

        /// <summary>The signature scheme used for <paramref name="requested"/> with <paramref name="key"/>; Default resolves to the key's own.</summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.UnsupportedAlgorithm"/> when the scheme does not fit the key.</exception>
        public static SignatureAlgorithm SignatureAlgorithmFor(ISigningKey key, SignatureAlgorithm requested)
        {
            ArgumentNullException.ThrowIfNull(key);
            var natural = key.Algorithm switch
            {
                KeyAlgorithmKind.Rsa => SignatureAlgorithm.RsaPkcs1,
                KeyAlgorithmKind.Ec => SignatureAlgorithm.Ecdsa,
                KeyAlgorithmKind.Ed25519 => SignatureAlgorithm.Ed25519,
                _ => throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidArgument,
                    $"The {(key.Algorithm == KeyAlgorithmKind.Unknown ? key.Certificate.PublicKey.Oid.FriendlyName ?? key.Certificate.PublicKey.Oid.Value : key.Algorithm.ToString())} key of '{key.Certificate.Subject}' cannot make S/MIME signatures.",
                    "Sign with a certificate that has an RSA, EC (P-256/P-384/P-521) or Ed25519 key.", key.Certificate),
            };
            if (requested == SignatureAlgorithm.Default || requested == natural
                || (requested == SignatureAlgorithm.RsaPss && natural == SignatureAlgorithm.RsaPkcs1))
            {
                return requested == SignatureAlgorithm.Default ? natural : requested;
            }

            throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidArgument,
                $"{requested} signatures cannot be made with the {key.Algorithm} key of '{key.Certificate.Subject}'.",
                $"Leave the signature algorithm at Default (it becomes {natural}) or choose one that fits the key.", key.Certificate);
        }

        /// <summary>
        /// A detached SignedData (DER ContentInfo, for application/pkcs7-signature) over content whose digest the
        /// caller computed with <see cref="DigestFor"/>(key, options.Digest).
        /// </summary>
        /// <exception cref="ArgumentException">The digest's length does not fit the digest algorithm.</exception>
        /// <exception cref="SmimeException"><see cref="ErrorIds.UnsupportedAlgorithm"/> for a scheme or digest that cannot be used.</exception>
        public static byte[] CreateDetached(ReadOnlySpan<byte> contentDigest, SigningOptions options)
        {
            var plan = Plan.For(options);
            if (contentDigest.Length != SignedDataDigester.SizeOf(plan.Digest))
            {
                throw new ArgumentException(
                    $"The content digest is {contentDigest.Length} bytes, but {plan.Digest} gives {SignedDataDigester.SizeOf(plan.Digest)}: hash the content with SignedDataBuilder.DigestFor(key, digest).",
                    nameof(contentDigest));
            }

            var signerInfo = BuildSignerInfo(plan, contentDigest.ToArray());
            var signedData = new BcSignedData(
                DerInteger.ValueOf(1),
                new DerSet(plan.DigestAlgorithmIdentifier),
                new BcContentInfo(CmsObjectIdentifiers.Data, null),
                plan.CertificateSet,
                null,
                new DerSet(signerInfo));
            return new BcContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetEncoded(Asn1Encodable.Der);
        }

        /// <summary>A detached SignedData over <paramref name="content"/>, hashed here with the right digest.</summary>
        public static byte[] CreateDetached(Stream content, SigningOptions options, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(content);
            var plan = Plan.For(options);
            using var hash = IncrementalHash.CreateHash(SoftwareKey.HashName(plan.Digest));
            var buffer = new byte[IO.BufferSizes.ForReading(content)];
            int n;
            while ((n = content.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, n);
            }

            return CreateDetached(hash.GetHashAndReset(), options);
        }

        /// <summary>
        /// Writes a SignedData that carries <paramref name="content"/> (for application/pkcs7-mime signed-data),
        /// in one pass and flat memory: the content is hashed while it is copied into an indefinite-length
        /// OCTET STRING, then the signer info follows. The outer structures are indefinite-length BER.
        /// </summary>
        public static void WriteEncapsulated(Stream content, Stream output, SigningOptions options, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(content);
            WriteEncapsulated(
                octets =>
                {
                    var buffer = new byte[IO.BufferSizes.ForReading(content)];
                    int n;
                    while ((n = content.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        octets.Write(buffer, 0, n);
                    }
                },
                output,
                options);
        }

        /// <summary>
        /// As <see cref="WriteEncapsulated(Stream, Stream, SigningOptions, CancellationToken)"/>, for content made on the fly:
        /// <paramref name="writeContent"/> writes it into the stream it is given, where it is hashed and encoded as it comes,
        /// with no copy kept. After a failure the structure is left open.
        /// </summary>
        internal static void WriteEncapsulated(Action<Stream> writeContent, Stream output, SigningOptions options)
        {
            ArgumentNullException.ThrowIfNull(writeContent);
            ArgumentNullException.ThrowIfNull(output);
            var plan = Plan.For(options);

            // ContentInfo { signedData, [0] SignedData { 1, digestAlgorithms, EncapsulatedContentInfo { id-data, [0] OCTET STRING
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.Sequence);
            Asn1StreamingWriter.WriteDer(output, CmsObjectIdentifiers.SignedData);
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.ContextZero);
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.Sequence);
            Asn1StreamingWriter.WriteDer(output, DerInteger.ValueOf(1));
            Asn1StreamingWriter.WriteDer(output, new DerSet(plan.DigestAlgorithmIdentifier));
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.Sequence);
            Asn1StreamingWriter.WriteDer(output, CmsObjectIdentifiers.Data);
            Asn1StreamingWriter.WriteIndefinite(output, Asn1StreamingWriter.ContextZero);

            byte[] digest;
            var octets = Asn1StreamingWriter.OpenOctetString(output);
            using (var hashing = new HashingStream(octets, SoftwareKey.HashName(plan.Digest)))
            {
                writeContent(hashing);
                octets.Complete();
                digest = hashing.GetHashAndReset();
            }

            Asn1StreamingWriter.WriteEndOfContents(output, 2);

            // certificates [0] IMPLICIT, signerInfos; then close SignedData, [0] and ContentInfo.
            if (plan.CertificateSet != null)
            {
                Asn1StreamingWriter.WriteDer(output, new DerTaggedObject(false, 0, plan.CertificateSet));
            }

            Asn1StreamingWriter.WriteDer(output, new DerSet(BuildSignerInfo(plan, digest)));
            Asn1StreamingWriter.WriteEndOfContents(output, 3);
            output.Flush();
        }

        private static SignerInfo BuildSignerInfo(Plan plan, byte[] contentDigest)
        {
            var options = plan.Options;
            var attributes = new Asn1EncodableVector
            {
                new BcAttribute(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data)),
                new BcAttribute(CmsAttributes.SigningTime, new DerSet(SigningTimeOf(options.SigningTime))),
                new BcAttribute(CmsAttributes.MessageDigest, new DerSet(new DerOctetString(contentDigest))),
            };
            if (options.Capabilities.Count > 0)
            {
                attributes.Add(new BcAttribute(new DerObjectIdentifier(CmsOid.SmimeCapabilitiesAttribute), new DerSet(Capabilities(options.Capabilities))));
            }

            if (options.EncryptionKeyPreference != null)
            {
                var preference = new DerTaggedObject(false, 0, SignerParts.Of(options.EncryptionKeyPreference).IssuerAndSerialNumber);
                attributes.Add(new BcAttribute(new DerObjectIdentifier(CmsOid.EncryptionKeyPreferenceAttribute), new DerSet(preference)));
            }

            foreach (var (oid, value) in options.AdditionalSignedAttributes)
            {
                var type = new DerObjectIdentifier(oid);
                if (type.Equals(CmsAttributes.ContentType) || type.Equals(CmsAttributes.SigningTime) || type.Equals(CmsAttributes.MessageDigest))
                {
                    throw new ArgumentException($"The signed attribute {oid} is written by the builder itself.", nameof(options));
                }

                attributes.Add(new BcAttribute(type, new DerSet(Asn1Object.FromByteArray(value))));
            }

            // DER sorts the SET; exactly these bytes (tag SET OF) are what the key signs (RFC 5652 §5.4).
            var signedAttributes = new DerSet(attributes);
            byte[] toSign = signedAttributes.GetEncoded(Asn1Encodable.Der);
            byte[] signature = plan.Options.Key.Sign(toSign, plan.Digest, plan.Algorithm);
            CheckSignature(plan, toSign, signature);

            return new SignerInfo(
                new SignerIdentifier(plan.SignerIdentifier),
                plan.DigestAlgorithmIdentifier,
                signedAttributes,
                plan.SignatureAlgorithmIdentifier,
                new DerOctetString(signature),
                (Asn1Set?)null);
        }

        /// <summary>
        /// Verifies the fresh signature with the certificate's public key: a token key that is not the certificate's,
        /// or a faulty one, must fail here rather than in every recipient's mail client.
        /// </summary>
        private static void CheckSignature(Plan plan, byte[] signed, byte[] signature)
        {
            var certificate = plan.Options.Key.Certificate;
            var pool = new SignerCertificatePool(new[] { certificate }, null);
            using var key = pool.PublicKeyOf(certificate, out _);
            var outcome = key == null
                ? SignerSignatureVerifier.Outcome.Unsupported
                : SignerSignatureVerifier.VerifyData(key, plan.SignatureAlgorithmIdentifier, AlgorithmOids.Of(plan.Digest), new[] { signed }, signature, out _);
            if (outcome != SignerSignatureVerifier.Outcome.Valid)
            {
                throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.SecurityError,
                    $"The signature made with the key of '{certificate.Subject}' ({certificate.Thumbprint}) does not verify with that certificate's public key.",
                    "Check that the key (file, store or token object) belongs to this certificate.", certificate);
            }
        }

        /// <summary>The curve's size; the key is decoded once per certificate object (<see cref="Keys.CertificateKeyMemo"/>).</summary>
        private static int CurveBits(X509Certificate2 certificate) => Keys.CertificateKeyMemo.Of(certificate).KeySize;

        /// <summary>signingTime (RFC 5652 §11.3): UTCTime for 1950-2049, GeneralizedTime otherwise; whole seconds, UTC.</summary>
        internal static Asn1Object SigningTimeOf(DateTimeOffset time)
        {
            var utc = time.UtcDateTime;
            utc = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
            string text = utc.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "Z";
            return utc.Year >= 1950 && utc.Year <= 2049 ? new DerUtcTime(text[2..]) : new DerGeneralizedTime(text);
        }

        /// <summary>SMIMECapabilities (RFC 8551 §2.5.2): SEQUENCE OF SMIMECapability, parameters absent except RC2's key size.</summary>
        private static DerSequence Capabilities(IReadOnlyList<ContentEncryptionAlgorithm> algorithms)
        {
            var capabilities = new Asn1EncodableVector();
            var seen = new HashSet<ContentEncryptionAlgorithm>();
            foreach (var algorithm in algorithms)
            {
                if (!seen.Add(algorithm))
                {
                    continue;
                }

                var oid = new DerObjectIdentifier(CmsOid.Of(algorithm));
                capabilities.Add(algorithm == ContentEncryptionAlgorithm.Rc2Cbc
                    ? new DerSequence(oid, DerInteger.ValueOf(128))
                    : new DerSequence(oid));
            }

            return new DerSequence(capabilities);
        }

        /// <summary>
        /// What a signature takes from a certificate for every message of a pipeline, made once per certificate object: its
        /// issuer and serial number (a parsed issuer name), and the SET holding it alone. BouncyCastle's ASN.1 objects are
        /// immutable, so they are shared between threads.
        /// </summary>
        private sealed class SignerParts
        {
            private static readonly ConditionalWeakTable<X509Certificate2, SignerParts> Parts = new();
            private readonly Lazy<IssuerAndSerialNumber> _issuerAndSerialNumber;
            private readonly Lazy<DerSet> _alone;

            private SignerParts(X509Certificate2 certificate)
            {
                _issuerAndSerialNumber = new Lazy<IssuerAndSerialNumber>(() => CmsIdentifier.FromCertificate(certificate).ToIssuerAndSerialNumber());
                _alone = new Lazy<DerSet>(() => new DerSet(Keys.CertificateKeyMemo.Of(certificate).Structure));
            }

            public IssuerAndSerialNumber IssuerAndSerialNumber => _issuerAndSerialNumber.Value;

            /// <summary>A SET OF CertificateChoices holding the certificate alone, as a signature embedding only its signer's carries.</summary>
            public DerSet AloneInSet => _alone.Value;

            public static SignerParts Of(X509Certificate2 certificate) => Parts.GetValue(certificate, c => new SignerParts(c));
        }

        /// <summary>
        /// The SET OF certificates a signature embeds, made once for the list a pipeline passes with every message (DER
        /// sorts a SET, which encodes each certificate). Kept with the list object, and made again should the list have
        /// changed since.
        /// </summary>
        private static class CertificateSets
        {
            private static readonly ConditionalWeakTable<IReadOnlyList<X509Certificate2>, Made> Sets = new();

            public static DerSet? Of(IReadOnlyList<X509Certificate2> certificates)
            {
                if (certificates.Count == 0)
                {
                    return null;
                }

                if (Sets.TryGetValue(certificates, out var made) && made.IsFor(certificates))
                {
                    return made.Set;
                }

                var snapshot = new X509Certificate2[certificates.Count];
                var vector = new Asn1EncodableVector();
                for (var i = 0; i < snapshot.Length; i++)
                {
                    snapshot[i] = certificates[i];
                    vector.Add(Keys.CertificateKeyMemo.Of(snapshot[i]).Structure);
                }

                made = new Made(snapshot, new DerSet(vector));
                Sets.AddOrUpdate(certificates, made);
                return made.Set;
            }

            private sealed class Made
            {
                private readonly X509Certificate2[] _certificates;

                public Made(X509Certificate2[] certificates, DerSet set)
                {
                    _certificates = certificates;
                    Set = set;
                }

                public DerSet Set { get; }

                public bool IsFor(IReadOnlyList<X509Certificate2> certificates)
                {
                    if (certificates.Count != _certificates.Length)
                    {
                        return false;
                    }

                    for (var i = 0; i < _certificates.Length; i++)
                    {
                        if (!ReferenceEquals(certificates[i], _certificates[i]))
                        {
                            return false;
                        }
                    }

                    return true;
                }
            }
        }

        /// <summary>The choices of one signing operation, checked once.</summary>
        private sealed class Plan
        {
            private Plan(SigningOptions options, DigestAlgorithm digest, SignatureAlgorithm algorithm)
            {
                Options = options;
                Digest = digest;
                Algorithm = algorithm;
                DigestAlgorithmIdentifier = DigestIdentifier(digest);
                SignatureAlgorithmIdentifier = SignatureIdentifier(algorithm, digest);
                var signer = SignerParts.Of(options.Key.Certificate);
                SignerIdentifier = signer.IssuerAndSerialNumber;
                CertificateSet = options.Certificates == null ? signer.AloneInSet : CertificateSets.Of(options.Certificates);
            }

            public SigningOptions Options { get; }

            public DigestAlgorithm Digest { get; }

            public SignatureAlgorithm Algorithm { get; }

            public AlgorithmIdentifier DigestAlgorithmIdentifier { get; }

            public AlgorithmIdentifier SignatureAlgorithmIdentifier { get; }

            public IssuerAndSerialNumber SignerIdentifier { get; }

            public DerSet? CertificateSet { get; }

            public static Plan For(SigningOptions options)
            {
                ArgumentNullException.ThrowIfNull(options);
                if (options.Key == null)
                {
                    throw new ArgumentException("SigningOptions.Key is not set.", nameof(options));
                }

                var algorithm = SignatureAlgorithmFor(options.Key, options.Algorithm);
                var digest = DigestFor(options.Key, options.Digest);
                if (digest == DigestAlgorithm.Sha224)
                {
                    throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidArgument,
                        "SHA-224 is not offered for new signatures.", "Use SHA-256, SHA-384 or SHA-512.");
                }

                if (algorithm == SignatureAlgorithm.RsaPss && digest == DigestAlgorithm.Md5)
                {
                    throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidArgument,
                        "RSASSA-PSS is not defined with MD5.", "Use SHA-256, SHA-384 or SHA-512.");
                }

                if (algorithm == SignatureAlgorithm.Ecdsa && digest == DigestAlgorithm.Md5)
                {
                    throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidArgument,
                        "ECDSA is not defined with MD5.", "Use SHA-256, SHA-384 or SHA-512.");
                }

                return new Plan(options, digest, algorithm);
            }

            /// <summary>RFC 5754 §2: SHA-2 identifiers are generated with absent parameters; MD5 keeps its NULL (RFC 3370 §2.2).</summary>
            private static AlgorithmIdentifier DigestIdentifier(DigestAlgorithm digest) => digest == DigestAlgorithm.Md5
                ? new AlgorithmIdentifier(new DerObjectIdentifier(CmsOid.Md5), DerNull.Instance)
                : new AlgorithmIdentifier(new DerObjectIdentifier(AlgorithmOids.Of(digest)));

            /// <summary>
            /// RSA PKCS#1 v1.5 is identified as rsaEncryption with NULL parameters (RFC 3370 §3.2, allowed by
            /// RFC 5754 §3.2): what openssl, NSS, gpgsm and Windows write themselves, so every verifier knows it,
            /// and the digest is already named by digestAlgorithm.
            /// PSS carries full RSASSA-PSS-params (RFC 4055: hash with NULL, MGF1 with the same hash, salt = hash length);
            /// ECDSA ecdsa-with-SHAx with absent parameters (RFC 5758 §3.2); Ed25519 id-Ed25519 without parameters (RFC 8419).
            /// </summary>
            private static AlgorithmIdentifier SignatureIdentifier(SignatureAlgorithm algorithm, DigestAlgorithm digest)
            {
                switch (algorithm)
                {
                    case SignatureAlgorithm.RsaPkcs1:
                        return new AlgorithmIdentifier(new DerObjectIdentifier(CmsOid.RsaEncryption), DerNull.Instance);
                    case SignatureAlgorithm.RsaPss:
                        var hash = new AlgorithmIdentifier(new DerObjectIdentifier(AlgorithmOids.Of(digest)), DerNull.Instance);
                        var parameters = new RsassaPssParameters(
                            hash,
                            new AlgorithmIdentifier(new DerObjectIdentifier(CmsOid.Mgf1), hash),
                            DerInteger.ValueOf(SignedDataDigester.SizeOf(digest)),
                            DerInteger.ValueOf(1));
                        return new AlgorithmIdentifier(new DerObjectIdentifier(CmsOid.RsaPss), parameters);
                    case SignatureAlgorithm.Ecdsa:
                        return new AlgorithmIdentifier(new DerObjectIdentifier(CmsOid.EcdsaWith(digest)));
                    case SignatureAlgorithm.Ed25519:
                        return new AlgorithmIdentifier(new DerObjectIdentifier(CmsOid.Ed25519));
                    default:
                        throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null);
                }
            }
        }
    }
}
