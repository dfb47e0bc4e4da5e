using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.Policy;
using BcAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;

namespace SmimeTools.Engine.Cms
{
    /// <summary>Checks one SignerInfo against the content digests and its certificate, and turns it into a <see cref="SignerResult"/>.</summary>
    internal static class SignerEvaluator
    {
        /// <param name="info">The SignerInfo.</param>
        /// <param name="rawSignedAttributes">The signed attributes exactly as received ([0] tag), when known.</param>
        /// <param name="contentType">The eContentType the contentType attribute must name; null for a countersignature.</param>
        /// <param name="content">Digests of what was signed (the content, or the countersigned signature value).</param>
        /// <param name="pool">Where the signer's certificate is looked for.</param>
        public static SignerResult Evaluate(SignerInfo info, byte[]? rawSignedAttributes, string? contentType,
            SignedDataContentHashes content, SignerCertificatePool pool)
        {
            CmsIdentifier identifier;
            string digestOid;
            AlgorithmIdentifier signatureAlgorithm;
            byte[] signature;
            try
            {
                identifier = CmsIdentifier.FromSignerIdentifier(info.SignerID);
                digestOid = info.DigestAlgorithm.Algorithm.Id;
                signatureAlgorithm = info.SignatureAlgorithm;
                signature = info.Signature.GetOctets();
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or NullReferenceException)
            {
                throw new SmimeException(ErrorIds.MalformedMessage, SmimeErrorKind.InvalidData,
                    $"A SignerInfo of the message is damaged ({e.Message}).", "Ask the sender to send the message again.", null, e);
            }

            string signatureOid = signatureAlgorithm.Algorithm.Id;
            var certificate = pool.Find(identifier);
            var problems = new List<(SignerStatus Status, string Text)>();
            var attributes = new Attributes(info.SignedAttrs, contentType, problems);

            var countersignatures = new List<SignerResult>();
            var unsignedOids = new List<string>();
            if (info.UnsignedAttrs != null)
            {
                foreach (var element in info.UnsignedAttrs)
                {
                    try
                    {
                        var attribute = BcAttribute.GetInstance(element);
                        unsignedOids.Add(attribute.AttrType.Id);
                        if (attribute.AttrType.Id != CmsOid.CounterSignatureAttribute)
                        {
                            continue;
                        }

                        foreach (var value in attribute.AttrValues)
                        {
                            var counter = SignerInfo.GetInstance(value);
                            using var signed = SignedDataContentHashes.FromBytes(signature, new[] { counter.DigestAlgorithm.Algorithm.Id });
                            countersignatures.Add(Evaluate(counter, null, null, signed, pool));
                        }
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or SmimeException)
                    {
                        // Unsigned attributes are outside the signature: a damaged one takes nothing from the signer.
                    }
                }
            }

            // The content digest, and the messageDigest attribute that must equal it.
            bool digestSupported = SignedDataDigester.IsSupported(digestOid);
            if (!digestSupported)
            {
                problems.Add((SignerStatus.UnsupportedAlgorithm, $"the digest algorithm {CmsOid.FriendlyName(digestOid)} is not supported"));
            }

            var contentDigest = digestSupported ? content.GetDigest(digestOid) : null;
            bool? digestMatches = null;
            if (attributes.Present && attributes.MessageDigest != null && contentDigest != null)
            {
                digestMatches = CryptographicOperations.FixedTimeEquals(contentDigest, attributes.MessageDigest);
                if (digestMatches == false)
                {
                    problems.Add((SignerStatus.DigestMismatch, "the content was changed after it was signed (its digest differs from the signed messageDigest)"));
                }
            }
            else if (attributes.Present && digestSupported && contentDigest == null)
            {
                problems.Add((SignerStatus.ContentUnavailable, $"the content could not be hashed with {CmsOid.FriendlyName(digestOid)}, which digestAlgorithms did not announce"));
            }

            // The signature.
            bool verified = false;
            int keySize = 0;
            if (certificate == null)
            {
                problems.Add((SignerStatus.CertificateNotFound, $"the signer's certificate ({identifier}) is neither in the message nor among the certificates given"));
            }
            else if (pool.PublicKeyOf(certificate, out string? keyProblem) is { } key)
            {
                using var disposeKey = key;
                keySize = key.Size;
                var outcome = VerifySignature(key, signatureAlgorithm, digestOid, info, rawSignedAttributes, content, contentDigest, signature, out string? problem);
                verified = outcome == SignerSignatureVerifier.Outcome.Valid;
                if (outcome == SignerSignatureVerifier.Outcome.Invalid)
                {
                    problems.Add((SignerStatus.BadSignature, "the signature does not verify with the signer's certificate" + (problem == null ? string.Empty : ": " + problem)));
                }
                else if (outcome == SignerSignatureVerifier.Outcome.Unsupported)
                {
                    problems.Add((signatureOid == CmsOid.Ed25519 ? SignerStatus.ContentUnavailable : SignerStatus.UnsupportedAlgorithm, problem ?? "the signature cannot be checked"));
                }
            }
            else
            {
                problems.Add((SignerStatus.UnsupportedAlgorithm, keyProblem ?? "the signer's public key is not supported"));
            }

            var (status, text) = problems.Count == 0 ? (SignerStatus.Valid, (string?)null) : problems.OrderBy(p => Rank(p.Status)).First();
            return new SignerResult
            {
                SignerIdentifier = identifier,
                Certificate = certificate,
                Version = info.Version.IntValueExact,
                DigestAlgorithmOid = digestOid,
                DigestAlgorithm = CmsOid.TryGetDigest(digestOid, out var digestKind) ? digestKind : null,
                SignatureAlgorithmOid = signatureOid,
                SignatureAlgorithm = CmsOid.SignatureKindOf(signatureOid),
                KeySize = keySize,
                IsWeakAlgorithm = IsWeak(digestOid, signatureAlgorithm),
                HasSignedAttributes = attributes.Present,
                SigningTime = attributes.SigningTime,
                Capabilities = attributes.Capabilities,
                CapabilityOids = attributes.CapabilityOids,
                EncryptionKeyPreference = attributes.EncryptionKeyPreference,
                SignedAttributeOids = attributes.Oids,
                UnsignedAttributeOids = unsignedOids,
                MessageDigestMatches = digestMatches,
                SignatureVerified = verified,
                Status = status,
                Problem = text == null ? null : char.ToUpperInvariant(text[0]) + text[1..] + ".",
                Countersignatures = countersignatures,
            };
        }

        private static SignerSignatureVerifier.Outcome VerifySignature(SignerPublicKey key, AlgorithmIdentifier signatureAlgorithm,
            string digestOid, SignerInfo info, byte[]? rawSignedAttributes, SignedDataContentHashes content, byte[]? contentDigest, byte[] signature, out string? problem)
        {
            string signatureOid = signatureAlgorithm.Algorithm.Id;
            if (info.SignedAttrs != null)
            {
                // What was signed is the DER SET of the attributes. The bytes as received come first; the DER and
                // definite-length re-encodings cover signers whose encoding was not strictly DER.
                var candidates = new List<byte[]>();
                if (rawSignedAttributes != null)
                {
                    candidates.Add(SignedDataStructure.AsSignedSet(rawSignedAttributes));
                }

                foreach (var encoding in new[] { Asn1Encodable.Der, Asn1Encodable.DL })
                {
                    var encoded = info.SignedAttrs.GetEncoded(encoding);
                    if (!candidates.Any(c => c.AsSpan().SequenceEqual(encoded)))
                    {
                        candidates.Add(encoded);
                    }
                }

                return SignerSignatureVerifier.VerifyData(key, signatureAlgorithm, digestOid, candidates, signature, out problem);
            }

            // Without signed attributes the signature covers the content: its digest, or for Ed25519 the content itself.
            if (signatureOid == CmsOid.Ed25519)
            {
                var whole = content.GetContent();
                if (whole == null)
                {
                    problem = "an Ed25519 signature without signed attributes covers the whole content, which is too large to hold or could not be read again";
                    return SignerSignatureVerifier.Outcome.Unsupported;
                }

                return SignerSignatureVerifier.VerifyData(key, signatureAlgorithm, digestOid, new[] { whole }, signature, out problem);
            }

            var digest = contentDigest;
            if (signatureOid == CmsOid.RsaPss && SignerSignatureVerifier.TryReadPss(signatureAlgorithm, out string pssHash, out _, out _, out _) && pssHash != digestOid)
            {
                digest = content.GetDigest(pssHash);
            }

            if (digest == null)
            {
                problem = "the content digest the signature covers could not be computed";
                return SignerSignatureVerifier.Outcome.Unsupported;
            }

            return SignerSignatureVerifier.VerifyDigest(key, signatureAlgorithm, digestOid, digest, signature, out problem);
        }

        /// <summary>Which problem to report first: the one that says most about the message.</summary>
        private static int Rank(SignerStatus status) => status switch
        {
            SignerStatus.MalformedSignerInfo => 0,
            SignerStatus.DigestMismatch => 1,
            SignerStatus.UnsupportedAlgorithm => 2,
            SignerStatus.CertificateNotFound => 3,
            SignerStatus.BadSignature => 4,
            SignerStatus.ContentUnavailable => 5,
            _ => 6,
        };

        private static bool IsWeak(string digestOid, AlgorithmIdentifier signatureAlgorithm)
        {
            if (CmsOid.TryGetDigest(digestOid, out var digest) && AlgorithmPolicy.IsWeak(digest))
            {
                return true;
            }

            string oid = signatureAlgorithm.Algorithm.Id;
            if (oid is CmsOid.Md5WithRsa or CmsOid.Sha1WithRsa or CmsOid.EcdsaWithSha1 or CmsOid.Dsa or CmsOid.DsaWithSha1 or CmsOid.DsaWithSha224 or CmsOid.DsaWithSha256)
            {
                return true;
            }

            return oid == CmsOid.RsaPss && SignerSignatureVerifier.TryReadPss(signatureAlgorithm, out string hash, out _, out _, out _)
                && CmsOid.TryGetDigest(hash, out var pssDigest) && AlgorithmPolicy.IsWeak(pssDigest);
        }

        /// <summary>The signed attributes S/MIME cares about, checked against RFC 5652 §11 and RFC 8551 §2.5.</summary>
        private sealed class Attributes
        {
            public Attributes(Asn1Set? set, string? contentType, List<(SignerStatus, string)> problems)
            {
                if (set == null)
                {
                    return;
                }

                Present = true;
                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var element in set)
                {
                    BcAttribute attribute;
                    try
                    {
                        attribute = BcAttribute.GetInstance(element);
                    }
                    catch (ArgumentException)
                    {
                        problems.Add((SignerStatus.MalformedSignerInfo, "a signed attribute is damaged"));
                        continue;
                    }

                    string oid = attribute.AttrType.Id;
                    Oids.Add(oid);
                    seen[oid] = seen.GetValueOrDefault(oid) + 1;
                    var values = attribute.AttrValues;
                    try
                    {
                        Read(oid, values, contentType, problems);
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or FormatException or NullReferenceException)
                    {
                        problems.Add((SignerStatus.MalformedSignerInfo, $"the signed attribute {oid} cannot be decoded"));
                    }
                }

                foreach (var single in new[] { CmsOid.MessageDigestAttribute, CmsOid.ContentTypeAttribute, CmsOid.SigningTimeAttribute })
                {
                    if (seen.GetValueOrDefault(single) > 1)
                    {
                        problems.Add((SignerStatus.MalformedSignerInfo, $"the {Name(single)} attribute appears more than once"));
                    }
                }

                if (!seen.ContainsKey(CmsOid.MessageDigestAttribute))
                {
                    problems.Add((SignerStatus.MalformedSignerInfo, "the signed attributes lack the messageDigest attribute"));
                }

                if (contentType != null && !seen.ContainsKey(CmsOid.ContentTypeAttribute))
                {
                    problems.Add((SignerStatus.MalformedSignerInfo, "the signed attributes lack the contentType attribute"));
                }
                else if (contentType == null && seen.ContainsKey(CmsOid.ContentTypeAttribute))
                {
                    problems.Add((SignerStatus.MalformedSignerInfo, "a countersignature carries a contentType attribute"));
                }
            }

            public bool Present { get; }

            public byte[]? MessageDigest { get; private set; }

            public DateTimeOffset? SigningTime { get; private set; }

            public List<ContentEncryptionAlgorithm> Capabilities { get; } = new();

            public List<string> CapabilityOids { get; } = new();

            public CmsIdentifier? EncryptionKeyPreference { get; private set; }

            public List<string> Oids { get; } = new();

            private static string Name(string oid) => oid switch
            {
                CmsOid.MessageDigestAttribute => "messageDigest",
                CmsOid.ContentTypeAttribute => "contentType",
                CmsOid.SigningTimeAttribute => "signingTime",
                _ => oid,
            };

            private void Read(string oid, Asn1Set values, string? contentType, List<(SignerStatus, string)> problems)
            {
                bool single = values.Count == 1;
                switch (oid)
                {
                    case CmsOid.MessageDigestAttribute when single:
                        MessageDigest = Asn1OctetString.GetInstance(values[0]).GetOctets();
                        break;
                    case CmsOid.ContentTypeAttribute when single:
                        string named = DerObjectIdentifier.GetInstance(values[0]).Id;
                        if (contentType != null && named != contentType)
                        {
                            problems.Add((SignerStatus.MalformedSignerInfo,
                                $"the contentType attribute names {CmsOid.FriendlyName(named)} but the content is {CmsOid.FriendlyName(contentType)}"));
                        }

                        break;
                    case CmsOid.SigningTimeAttribute when single:
                        var time = Org.BouncyCastle.Asn1.Cms.Time.GetInstance(values[0]).ToDateTime();
                        SigningTime = new DateTimeOffset(DateTime.SpecifyKind(time.ToUniversalTime(), DateTimeKind.Utc));
                        break;
                    case CmsOid.MessageDigestAttribute:
                    case CmsOid.ContentTypeAttribute:
                    case CmsOid.SigningTimeAttribute:
                        problems.Add((SignerStatus.MalformedSignerInfo, $"the {Name(oid)} attribute has {values.Count} values instead of one"));
                        break;
                    case CmsOid.SmimeCapabilitiesAttribute when values.Count > 0:
                        foreach (var capability in Asn1Sequence.GetInstance(values[0]))
                        {
                            string capabilityOid = DerObjectIdentifier.GetInstance(Asn1Sequence.GetInstance(capability)[0]).Id;
                            CapabilityOids.Add(capabilityOid);
                            if (CmsOid.TryGetContentEncryption(capabilityOid, out var algorithm))
                            {
                                Capabilities.Add(algorithm);
                            }
                        }

                        break;
                    case CmsOid.EncryptionKeyPreferenceAttribute when values.Count > 0:
                        EncryptionKeyPreference = KeyPreference(Asn1TaggedObject.GetInstance(values[0]));
                        break;
                }
            }

            /// <summary>SMIMEEncryptionKeyPreference (RFC 8551 §2.5.3): issuerAndSerialNumber [0], rKeyId [1], subjectAltKeyIdentifier [2].</summary>
            private static CmsIdentifier? KeyPreference(Asn1TaggedObject tagged) => tagged.TagNo switch
            {
                0 => CmsIdentifier.FromIssuerAndSerialNumber(IssuerAndSerialNumber.GetInstance(tagged, false)),
                1 => CmsIdentifier.FromSubjectKeyIdentifier(RecipientKeyIdentifier.GetInstance(tagged, false).SubjectKeyIdentifier.GetOctets()),
                2 => CmsIdentifier.FromSubjectKeyIdentifier(Asn1OctetString.GetInstance(tagged, false).GetOctets()),
                _ => null,
            };
        }
    }
}
