using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>KeyTransRecipientInfo (RFC 5652 §6.2.1): the content-encryption key encrypted to an RSA key, PKCS#1 v1.5 or OAEP (RFC 8017, RFC 4055).</summary>
    internal static class KeyTransportRecipient
    {
        public static RecipientInfo Create(RecipientIdentity recipient, byte[] contentKey, KeyEncryptionAlgorithm algorithm, bool useSubjectKeyIdentifier)
        {
            // The recipient's key is decoded once per certificate object and shared, so it is used under its memo's lock.
            var memo = CertificateKeyMemo.Of(recipient.Certificate);
            RSA rsa = memo.Rsa
                ?? throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                    $"The certificate {recipient.Describe()} has no RSA key to encrypt to.", null, recipient.Certificate);
            (AlgorithmIdentifier identifier, RSAEncryptionPadding padding) = algorithm switch
            {
                KeyEncryptionAlgorithm.RsaPkcs1 => (new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.RsaEncryption), DerNull.Instance), RSAEncryptionPadding.Pkcs1),
                KeyEncryptionAlgorithm.RsaOaepSha256 => (OaepSha256(), RSAEncryptionPadding.OaepSHA256),
                _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
            };
            byte[] encryptedKey;
            lock (memo)
            {
                encryptedKey = rsa.Encrypt(contentKey, padding);
            }

            var rid = useSubjectKeyIdentifier
                ? new RecipientIdentifier(new SubjectKeyIdentifier(recipient.SubjectKeyIdentifier))
                : new RecipientIdentifier(recipient.IssuerAndSerialNumber);
            return new RecipientInfo(new KeyTransRecipientInfo(rid, identifier, new DerOctetString(encryptedKey)));
        }

        /// <summary>
        /// Recovers the content-encryption key with <paramref name="key"/>. A wrong key or a damaged encrypted key
        /// throws <see cref="CryptographicException"/> (the caller hides which; see RFC 3218).
        /// </summary>
        public static byte[] RecoverKey(KeyTransRecipientInfo info, IKeyDecryptor key)
        {
            RSAEncryptionPadding padding = PaddingOf(info.KeyEncryptionAlgorithm);
            return key.DecryptKey(info.EncryptedKey.GetOctets(), padding);
        }

        /// <summary>RSAES-OAEP-params with SHA-256 and MGF1-SHA-256, the empty label left to its default (RFC 4055 §4.1).</summary>
        private static AlgorithmIdentifier OaepSha256()
        {
            var sha256 = new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.Sha256), DerNull.Instance);
            var mgf1 = new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.Mgf1), sha256);
            return new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.RsaesOaep), new RsaesOaepParameters(sha256, mgf1));
        }

        private static RSAEncryptionPadding PaddingOf(AlgorithmIdentifier identifier)
        {
            string oid = identifier.Algorithm.Id;
            if (oid == EnvelopingOids.RsaEncryption)
            {
                return RSAEncryptionPadding.Pkcs1;
            }

            if (oid != EnvelopingOids.RsaesOaep)
            {
                throw EnvelopedErrors.UnsupportedAlgorithm($"its key is encrypted with {EnvelopingOids.NameOf(oid)}, which this module does not support");
            }

            RsaesOaepParameters parameters;
            try
            {
                parameters = identifier.Parameters == null || identifier.Parameters is DerNull
                    ? new RsaesOaepParameters()
                    : RsaesOaepParameters.GetInstance(identifier.Parameters);
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException)
            {
                throw EnvelopedErrors.Malformed("the RSA-OAEP parameters of a recipient are damaged", e);
            }

            string hashOid = parameters.HashAlgorithm.Algorithm.Id;
            HashAlgorithmName hash = hashOid switch
            {
                EnvelopingOids.Sha1 => HashAlgorithmName.SHA1,
                EnvelopingOids.Sha256 => HashAlgorithmName.SHA256,
                EnvelopingOids.Sha384 => HashAlgorithmName.SHA384,
                EnvelopingOids.Sha512 => HashAlgorithmName.SHA512,
                _ => throw EnvelopedErrors.UnsupportedAlgorithm($"its key is encrypted with RSA-OAEP over {EnvelopingOids.NameOf(hashOid)}, which this module does not support"),
            };

            // .NET's OAEP uses MGF1 with the same hash and an empty label: say so plainly when a message asks for anything else.
            var mgf = parameters.MaskGenAlgorithm;
            string? mgfHash = mgf.Parameters == null ? null : AlgorithmIdentifier.GetInstance(mgf.Parameters).Algorithm.Id;
            if (mgf.Algorithm.Id != EnvelopingOids.Mgf1 || mgfHash != hashOid)
            {
                throw EnvelopedErrors.UnsupportedAlgorithm($"its RSA-OAEP key encryption mixes {EnvelopingOids.NameOf(hashOid)} with a different mask generation ({EnvelopingOids.NameOf(mgfHash ?? mgf.Algorithm.Id)})");
            }

            var source = parameters.PSourceAlgorithm;
            if (source.Algorithm.Id != EnvelopingOids.PSpecified
                || (source.Parameters != null && Asn1OctetString.GetInstance(source.Parameters).GetOctets().Length != 0))
            {
                throw EnvelopedErrors.UnsupportedAlgorithm("its RSA-OAEP key encryption uses a label, which this module does not support");
            }

            return RSAEncryptionPadding.CreateOaep(hash);
        }
    }
}
