using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using Org.BouncyCastle.Asn1.Cms;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Reads a CMS SignedData (RFC 5652 §5) in one pass with flat memory and checks every signer's mathematics:
    /// the content digest against the messageDigest attribute and the signature against the signer certificate's
    /// public key. Trust, chains and revocation are not decided here; weak algorithms are read and reported.
    /// </summary>
    public static class SignedDataReader
    {
        /// <summary>
        /// Encapsulated content kept in memory in case a signer needs it again (a digest missing from
        /// digestAlgorithms, Ed25519 without signed attributes); beyond it a seekable output is read again.
        /// </summary>
        internal const int ReplayLimit = 1024 * 1024;


        /// <summary>
        /// Reads a SignedData that carries its content (application/pkcs7-mime; smime-type=signed-data), streaming
        /// the content to <paramref name="contentOutput"/> while hashing it. The content is written before the
        /// signatures are checked: treat it as unverified until the result says otherwise.
        /// </summary>
        /// <param name="input">The DER/BER SignedData ContentInfo (already base64-decoded).</param>
        /// <param name="contentOutput">Receives the content (the signed MIME entity).</param>
        /// <param name="additionalCertificates">Certificates to look for signers among, after those in the message.</param>
        /// <param name="cancellationToken">Stops between chunks of content.</param>
        /// <param name="limits">How many certificates and CRLs the SignedData may carry; the defaults when null.</param>
        /// <exception cref="SmimeException"><see cref="ErrorIds.MalformedMessage"/> for damaged or truncated data, a detached signature, or CMS of another type.</exception>
        public static SignedDataResult ReadEncapsulated(Stream input, Stream contentOutput,
            IEnumerable<X509Certificate2>? additionalCertificates = null, CancellationToken cancellationToken = default, InputLimits? limits = null)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(contentOutput);
            var reader = new Asn1StreamingReader(input, "The signed message");
            var structure = SignedDataStructure.ReadHead(reader, out var content);
            if (content == null)
            {
                throw new SmimeException(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData,
                    "The signed message holds no content: it is a detached signature (as in multipart/signed), which needs the content it signs.",
                    "Verify it together with the signed content.");
            }

            long start = contentOutput.CanSeek ? contentOutput.Position : 0;
            using var hashes = new SignedDataContentHashes(structure.DigestAlgorithmOids, ReplayLimit);
            Copy(content, contentOutput, hashes, cancellationToken);
            contentOutput.Flush();
            hashes.AllowReread(contentOutput, start);
            structure.ReadTail(reader);
            return Evaluate(structure, hashes, additionalCertificates, detached: false, reader.What, limits ?? InputLimits.Default);
        }

        /// <summary>
        /// Reads a detached SignedData (application/pkcs7-signature) and checks it against
        /// <paramref name="content"/>: the canonical bytes of the signed MIME entity. Should the SignedData carry
        /// content as well, the signers are checked against <paramref name="content"/>, which is what the reader sees.
        /// </summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.MalformedMessage"/> for damaged or truncated data, or CMS of another type.</exception>
        public static SignedDataResult ReadDetached(Stream signature, Stream content,
            IEnumerable<X509Certificate2>? additionalCertificates = null, CancellationToken cancellationToken = default, InputLimits? limits = null)
        {
            ArgumentNullException.ThrowIfNull(signature);
            ArgumentNullException.ThrowIfNull(content);
            var reader = new Asn1StreamingReader(signature, "The signature");
            var structure = SignedDataStructure.ReadHead(reader, out var embedded);
            embedded?.Drain();
            structure.ReadTail(reader);

            // The signer infos are known before the content is read: hash it with exactly what they need.
            var signerInfos = structure.ReadSignerInfos(reader.What);
            var digestOids = new HashSet<string>(structure.DigestAlgorithmOids, StringComparer.Ordinal);
            bool needsWholeContent = false;
            foreach (var (info, _) in signerInfos)
            {
                digestOids.Add(info.DigestAlgorithm.Algorithm.Id);
                if (info.SignedAttrs == null && info.SignatureAlgorithm.Algorithm.Id == CmsOid.Ed25519)
                {
                    needsWholeContent = true;
                }

                if (info.SignatureAlgorithm.Algorithm.Id == CmsOid.RsaPss
                    && SignerSignatureVerifier.TryReadPss(info.SignatureAlgorithm, out string pssHash, out _, out _, out _))
                {
                    digestOids.Add(pssHash);
                }
            }

            long start = content.CanSeek ? content.Position : 0;
            using var hashes = new SignedDataContentHashes(digestOids, needsWholeContent ? SignedDataContentHashes.MaxContentInMemory : 0);
            Copy(content, Stream.Null, hashes, cancellationToken);
            hashes.AllowReread(content, start);
            return Evaluate(structure, hashes, additionalCertificates, detached: true, reader.What, limits ?? InputLimits.Default);
        }

        /// <summary>As <see cref="ReadDetached(Stream, Stream, IEnumerable{X509Certificate2}?, CancellationToken, InputLimits?)"/>, for a signature in memory.</summary>
        public static SignedDataResult ReadDetached(byte[] signature, Stream content,
            IEnumerable<X509Certificate2>? additionalCertificates = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(signature);
            using var stream = new MemoryStream(signature, writable: false);
            return ReadDetached(stream, content, additionalCertificates, cancellationToken);
        }

        private static void Copy(Stream content, Stream output, SignedDataContentHashes hashes, CancellationToken cancellationToken)
        {
            var buffer = new byte[IO.BufferSizes.ForReading(content)];
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = content.Read(buffer, 0, buffer.Length);
                if (n == 0)
                {
                    return;
                }

                hashes.Append(buffer.AsSpan(0, n));
                output.Write(buffer, 0, n);
            }
        }

        private static SignedDataResult Evaluate(SignedDataStructure structure, SignedDataContentHashes hashes,
            IEnumerable<X509Certificate2>? additionalCertificates, bool detached, string what, InputLimits limits)
        {
            var certificates = structure.ReadCertificates(what, limits);
            var pool = new SignerCertificatePool(certificates, additionalCertificates);
            var signers = new List<SignerResult>();
            foreach (var (info, signedAttributes) in structure.ReadSignerInfos(what))
            {
                signers.Add(EvaluateOne(info, signedAttributes, structure.ContentType, hashes, pool, what));
            }

            return new SignedDataResult
            {
                Version = structure.Version,
                ContentType = structure.ContentType,
                IsDetached = detached,
                ContentLength = hashes.Length,
                DigestAlgorithmOids = structure.DigestAlgorithmOids,
                Certificates = certificates,
                Crls = structure.ReadCrls(what, limits),
                Signers = signers,
            };
        }

        private static SignerResult EvaluateOne(SignerInfo info, byte[]? signedAttributes, string contentType,
            SignedDataContentHashes hashes, SignerCertificatePool pool, string what)
        {
            try
            {
                return SignerEvaluator.Evaluate(info, signedAttributes, contentType, hashes, pool);
            }
            catch (Exception e) when (DecodingFailure.Is(e) || e is System.Security.Cryptography.CryptographicException)
            {
                throw new SmimeException(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData,
                    $"{what} has a SignerInfo that cannot be decoded ({e.Message}).",
                    "The message may be corrupted; ask the sender to send it again.", null, e);
            }
        }
    }
}
