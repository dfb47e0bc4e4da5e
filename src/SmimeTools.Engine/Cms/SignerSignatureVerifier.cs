using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using RsassaPssParameters = Org.BouncyCastle.Asn1.Pkcs.RsassaPssParameters;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// The mathematics of a SignerInfo signature: RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA, DSA and Ed25519, over the
    /// signed attributes or (without them) over the content digest. RSA and ECDSA go through .NET (with
    /// <see cref="SignerRsaMath"/> for the RSA variants .NET lacks), DSA and Ed25519 through BouncyCastle.
    /// </summary>
    internal static class SignerSignatureVerifier
    {
        /// <summary>The outcome: verified, not verified, or an algorithm that cannot be checked (with why).</summary>
        internal enum Outcome
        {
            Valid,
            Invalid,
            Unsupported,
        }

        /// <summary>Verifies a signature over any of <paramref name="dataCandidates"/> (encodings of the signed attributes, or Ed25519 content).</summary>
        public static Outcome VerifyData(SignerPublicKey key, AlgorithmIdentifier signatureAlgorithm, string digestOid,
            IReadOnlyList<byte[]> dataCandidates, byte[] signature, out string? problem)
        {
            problem = null;
            string oid = signatureAlgorithm.Algorithm.Id;
            if (oid == CmsOid.Ed25519)
            {
                if (key.BouncyCastle is not Ed25519PublicKeyParameters ed25519)
                {
                    return WrongKey(oid, key, out problem);
                }

                foreach (var data in dataCandidates)
                {
                    var verifier = new Ed25519Signer();
                    verifier.Init(false, ed25519);
                    verifier.BlockUpdate(data);
                    if (verifier.VerifySignature(signature))
                    {
                        return Outcome.Valid;
                    }
                }

                return Outcome.Invalid;
            }

            string hashOid = digestOid;
            if (oid == CmsOid.RsaPss && !TryReadPss(signatureAlgorithm, out hashOid, out _, out _, out problem))
            {
                return Outcome.Unsupported;
            }

            if (!SignedDataDigester.IsSupported(hashOid))
            {
                problem = $"the digest {CmsOid.FriendlyName(hashOid)} is not supported";
                return Outcome.Unsupported;
            }

            var last = Outcome.Invalid;
            foreach (var data in dataCandidates)
            {
                last = VerifyDigest(key, signatureAlgorithm, digestOid, SignedDataDigester.Hash(hashOid, data), signature, out problem);
                if (last != Outcome.Invalid)
                {
                    return last;
                }
            }

            return last;
        }

        /// <summary>Verifies a signature over a precomputed digest (for PSS: the digest with the PSS hash), under the key's <see cref="SignerPublicKey.Gate"/>.</summary>
        public static Outcome VerifyDigest(SignerPublicKey key, AlgorithmIdentifier signatureAlgorithm, string digestOid,
            byte[] digest, byte[] signature, out string? problem)
        {
            lock (key.Gate)
            {
                return VerifyDigestAlone(key, signatureAlgorithm, digestOid, digest, signature, out problem);
            }
        }

        private static Outcome VerifyDigestAlone(SignerPublicKey key, AlgorithmIdentifier signatureAlgorithm, string digestOid,
            byte[] digest, byte[] signature, out string? problem)
        {
            problem = null;
            string oid = signatureAlgorithm.Algorithm.Id;
            try
            {
                switch (oid)
                {
                    case CmsOid.RsaEncryption:
                    case CmsOid.Md5WithRsa:
                    case CmsOid.Sha1WithRsa:
                    case CmsOid.Sha224WithRsa:
                    case CmsOid.Sha256WithRsa:
                    case CmsOid.Sha384WithRsa:
                    case CmsOid.Sha512WithRsa:
                    {
                        if (key.Rsa is not { } rsa)
                        {
                            return WrongKey(oid, key, out problem);
                        }

                        if (!DigestAgrees(oid, digestOid, out problem))
                        {
                            return Outcome.Invalid;
                        }

                        if (DotNetHash(digestOid) is { } name && VerifyQuietly(() => rsa.VerifyHash(digest, signature, name, RSASignaturePadding.Pkcs1)))
                        {
                            return Outcome.Valid;
                        }

                        // SHA-224, or a DigestInfo without its NULL (old signers): verified by re-encoding.
                        return SignerRsaMath.VerifyPkcs1(rsa.ExportParameters(false), digestOid, digest, signature) ? Outcome.Valid : Outcome.Invalid;
                    }

                    case CmsOid.RsaPss:
                    {
                        if (key.Rsa is not { } rsa)
                        {
                            return WrongKey(oid, key, out problem);
                        }

                        if (!TryReadPss(signatureAlgorithm, out string hashOid, out string mgfHashOid, out int saltLength, out problem))
                        {
                            return Outcome.Unsupported;
                        }

                        var hash = DotNetHash(hashOid);
                        var mgfHash = DotNetHash(mgfHashOid);
                        if (hash == null || mgfHash == null)
                        {
                            problem = $"RSASSA-PSS with {CmsOid.FriendlyName(hashOid)} is not supported";
                            return Outcome.Unsupported;
                        }

                        if (mgfHashOid == hashOid && saltLength == digest.Length)
                        {
                            // The common parameters (RFC 4055 recommendation, what .NET and most signers use).
                            return VerifyQuietly(() => rsa.VerifyHash(digest, signature, hash.Value, RSASignaturePadding.Pss)) ? Outcome.Valid : Outcome.Invalid;
                        }

                        return SignerRsaMath.VerifyPss(rsa.ExportParameters(false), hash.Value, mgfHash.Value, saltLength, digest, signature) ? Outcome.Valid : Outcome.Invalid;
                    }

                    case CmsOid.EcPublicKey:
                    case CmsOid.EcdsaWithSha1:
                    case CmsOid.EcdsaWithSha224:
                    case CmsOid.EcdsaWithSha256:
                    case CmsOid.EcdsaWithSha384:
                    case CmsOid.EcdsaWithSha512:
                    {
                        if (!DigestAgrees(oid, digestOid, out problem))
                        {
                            return Outcome.Invalid;
                        }

                        if (key.Ecdsa is { } ecdsa)
                        {
                            return VerifyQuietly(() => ecdsa.VerifyHash(digest, signature, DSASignatureFormat.Rfc3279DerSequence)) ? Outcome.Valid : Outcome.Invalid;
                        }

                        if (key.BouncyCastle is ECPublicKeyParameters ec)
                        {
                            return VerifyDsaStyle(new ECDsaSigner(), ec, digest, signature);
                        }

                        return WrongKey(oid, key, out problem);
                    }

                    case CmsOid.Dsa:
                    case CmsOid.DsaWithSha1:
                    case CmsOid.DsaWithSha224:
                    case CmsOid.DsaWithSha256:
                    {
                        if (key.BouncyCastle is not DsaPublicKeyParameters dsa)
                        {
                            return WrongKey(oid, key, out problem);
                        }

                        if (dsa.Parameters == null)
                        {
                            problem = "the signer's DSA key inherits its parameters from an issuer certificate that is not at hand";
                            return Outcome.Unsupported;
                        }

                        if (!DigestAgrees(oid, digestOid, out problem))
                        {
                            return Outcome.Invalid;
                        }

                        return VerifyDsaStyle(new DsaSigner(), dsa, digest, signature);
                    }

                    case CmsOid.Ed25519:
                        problem = "an Ed25519 signature covers the content itself, which was not available";
                        return Outcome.Unsupported;

                    default:
                        problem = $"the signature algorithm {CmsOid.FriendlyName(oid)} is not supported";
                        return Outcome.Unsupported;
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or InvalidOperationException or CryptoException)
            {
                // A signature value or key that does not even decode cannot verify.
                problem = $"the signature could not be checked ({e.Message})";
                return Outcome.Invalid;
            }
        }

        /// <summary>Reads RSASSA-PSS-params (RFC 4055 §3.1), defaults included; false for what cannot be verified.</summary>
        internal static bool TryReadPss(AlgorithmIdentifier signatureAlgorithm, out string hashOid, out string mgfHashOid, out int saltLength, out string? problem)
        {
            problem = null;
            hashOid = CmsOid.Sha1;
            mgfHashOid = CmsOid.Sha1;
            saltLength = 20;
            try
            {
                var parameters = signatureAlgorithm.Parameters == null || signatureAlgorithm.Parameters is Asn1Null
                    ? new RsassaPssParameters()
                    : RsassaPssParameters.GetInstance(signatureAlgorithm.Parameters);
                hashOid = parameters.HashAlgorithm.Algorithm.Id;
                if (parameters.MaskGenAlgorithm.Algorithm.Id != CmsOid.Mgf1)
                {
                    problem = $"the PSS mask generation function {parameters.MaskGenAlgorithm.Algorithm.Id} is not supported (only MGF1)";
                    return false;
                }

                mgfHashOid = AlgorithmIdentifier.GetInstance(parameters.MaskGenAlgorithm.Parameters).Algorithm.Id;
                saltLength = parameters.SaltLength.IntValueExact;
                if (!parameters.TrailerField.HasValue(1))
                {
                    problem = "the PSS trailer field is not 1";
                    return false;
                }
            }
            catch (Exception e) when (DecodingFailure.Is(e) || e is NullReferenceException)
            {
                problem = $"the RSASSA-PSS parameters cannot be decoded ({e.Message})";
                return false;
            }

            if (!SignedDataDigester.IsSupported(hashOid) || !SignedDataDigester.IsSupported(mgfHashOid))
            {
                problem = $"the PSS hash {CmsOid.FriendlyName(hashOid)} / MGF1 hash {CmsOid.FriendlyName(mgfHashOid)} is not supported";
                return false;
            }

            return true;
        }

        private static Outcome VerifyDsaStyle(IDsa signer, AsymmetricKeyParameter key, byte[] digest, byte[] signature)
        {
            var verifier = new DsaDigestSigner(signer, new NullDigest());
            verifier.Init(false, key);
            verifier.BlockUpdate(digest);
            return verifier.VerifySignature(signature) ? Outcome.Valid : Outcome.Invalid;
        }

        /// <summary>A signatureAlgorithm that names a digest (sha256WithRSAEncryption...) must name the SignerInfo's digestAlgorithm.</summary>
        private static bool DigestAgrees(string signatureOid, string digestOid, out string? problem)
        {
            string? implied = signatureOid switch
            {
                CmsOid.Md5WithRsa => CmsOid.Md5,
                CmsOid.Sha1WithRsa or CmsOid.EcdsaWithSha1 or CmsOid.DsaWithSha1 => CmsOid.Sha1,
                CmsOid.Sha224WithRsa or CmsOid.EcdsaWithSha224 or CmsOid.DsaWithSha224 => CmsOid.Sha224,
                CmsOid.Sha256WithRsa or CmsOid.EcdsaWithSha256 or CmsOid.DsaWithSha256 => CmsOid.Sha256,
                CmsOid.Sha384WithRsa or CmsOid.EcdsaWithSha384 => CmsOid.Sha384,
                CmsOid.Sha512WithRsa or CmsOid.EcdsaWithSha512 => CmsOid.Sha512,
                _ => null,
            };
            if (implied != null && implied != digestOid)
            {
                problem = $"the signature algorithm {CmsOid.FriendlyName(signatureOid)} disagrees with the digest algorithm {CmsOid.FriendlyName(digestOid)}";
                return false;
            }

            problem = null;
            return true;
        }

        private static Outcome WrongKey(string signatureOid, SignerPublicKey key, out string? problem)
        {
            problem = $"the signature algorithm {CmsOid.FriendlyName(signatureOid)} does not fit the certificate's {key.Name} key";
            return Outcome.Invalid;
        }

        /// <summary>The .NET name of a digest .NET can verify signatures with; null for SHA-224 and unknown ones.</summary>
        private static HashAlgorithmName? DotNetHash(string oid) => oid switch
        {
            CmsOid.Sha256 => HashAlgorithmName.SHA256,
            CmsOid.Sha384 => HashAlgorithmName.SHA384,
            CmsOid.Sha512 => HashAlgorithmName.SHA512,
            CmsOid.Sha1 => HashAlgorithmName.SHA1,
            CmsOid.Md5 => HashAlgorithmName.MD5,
            _ => null,
        };

        /// <summary>A verification that throws on malformed input (wrong lengths, undecodable values) did not verify.</summary>
        private static bool VerifyQuietly(Func<bool> verify)
        {
            try
            {
                return verify();
            }
            catch (CryptographicException)
            {
                return false;
            }
        }
    }
}
