using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// KeyAgreeRecipientInfo with an ephemeral originator key: ECDH on NIST curves with the X9.63 KDF (RFC 5753), and
    /// X25519/X448 with HKDF (RFC 8418); the content-encryption key is then AES-key-wrapped (RFC 3394).
    /// </summary>
    internal static class KeyAgreementRecipient
    {
        public static RecipientInfo Create(RecipientIdentity recipient, byte[] contentKey, bool useSubjectKeyIdentifier)
        {
            if (contentKey.Length < 16)
            {
                throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidArgument,
                    $"A {contentKey.Length * 8}-bit content key cannot be key-wrapped for the key-agreement recipient {recipient.Describe()}.",
                    "Use AES (or 3DES when an old reader needs it).", recipient.Certificate);
            }

            string wrapOid = KeyWrap.AesWrapFor(contentKey.Length);
            var keyWrap = new AlgorithmIdentifier(new DerObjectIdentifier(wrapOid));
            int kekLength = KeyWrap.KekLength(wrapOid);
            byte[] z;
            string schemeOid;
            OriginatorPublicKey originator;
            switch (KeyAlgorithms.Of(recipient.Certificate))
            {
                case KeyAlgorithmKind.Ec:
                    (z, schemeOid, originator) = AgreeEc(recipient);
                    break;
                case KeyAlgorithmKind.X25519:
                case KeyAlgorithmKind.X448:
                    (z, schemeOid, originator) = AgreeMontgomery(recipient);
                    break;
                default:
                    throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                        $"The certificate {recipient.Describe()} has no key that key agreement can use.", null, recipient.Certificate);
            }

            byte[]? kek = null;
            try
            {
                var scheme = KeyAgreementScheme.FromOid(schemeOid)!;
                byte[] sharedInfo = KeyAgreementKdf.SharedInfo(keyWrap, null, kekLength);
                kek = KeyAgreementKdf.Derive(scheme, z, null, sharedInfo, kekLength);
                byte[] wrapped = KeyWrap.Wrap(wrapOid, kek, contentKey);
                var rid = useSubjectKeyIdentifier
                    ? new KeyAgreeRecipientIdentifier(new RecipientKeyIdentifier(recipient.SubjectKeyIdentifier))
                    : new KeyAgreeRecipientIdentifier(recipient.IssuerAndSerialNumber);
                var encryptedKeys = new DerSequence(new RecipientEncryptedKey(rid, new DerOctetString(wrapped)));
                return new RecipientInfo(new KeyAgreeRecipientInfo(
                    new OriginatorIdentifierOrKey(originator),
                    null,
                    new AlgorithmIdentifier(new DerObjectIdentifier(schemeOid), keyWrap),
                    encryptedKeys));
            }
            finally
            {
                Array.Clear(z);
                if (kek != null)
                {
                    Array.Clear(kek);
                }
            }
        }

        /// <summary>
        /// Recovers the content-encryption key: agreement through <paramref name="key"/>, KDF, unwrap. A wrong key or
        /// damaged data throws <see cref="CryptographicException"/>.
        /// </summary>
        public static byte[] RecoverKey(KeyAgreeRecipientInfo info, RecipientEncryptedKey encryptedKey, IKeyDecryptor key)
        {
            string schemeOid = info.KeyEncryptionAlgorithm.Algorithm.Id;
            KeyAgreementScheme scheme = KeyAgreementScheme.FromOid(schemeOid)
                ?? throw EnvelopedErrors.UnsupportedAlgorithm($"its key is agreed with {EnvelopingOids.NameOf(schemeOid)}, which this module does not support");
            AlgorithmIdentifier keyWrap;
            try
            {
                keyWrap = AlgorithmIdentifier.GetInstance(info.KeyEncryptionAlgorithm.Parameters
                    ?? throw new ArgumentException("the key agreement algorithm names no key wrap"));
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException)
            {
                throw EnvelopedErrors.Malformed($"a key-agreement recipient is damaged ({e.Message})", e);
            }

            string wrapOid = keyWrap.Algorithm.Id;
            int kekLength = KeyWrap.KekLength(wrapOid);
            if (kekLength == 0)
            {
                throw EnvelopedErrors.UnsupportedAlgorithm($"its key is wrapped with {EnvelopingOids.NameOf(wrapOid)}, which this module does not support");
            }

            OriginatorPublicKey originator = info.Originator.OriginatorKey
                ?? throw EnvelopedErrors.UnsupportedAlgorithm("its key is agreed with the sender's static key (static-static Diffie-Hellman), which this module does not support");
            byte[]? ukm = info.UserKeyingMaterial?.GetOctets();
            byte[] z = key.Agree(OriginatorKeyInfo(originator, key));
            byte[]? kek = null;
            try
            {
                byte[] sharedInfo = KeyAgreementKdf.SharedInfo(keyWrap, ukm, kekLength);
                kek = KeyAgreementKdf.Derive(scheme, z, ukm, sharedInfo, kekLength);
                return KeyWrap.Unwrap(wrapOid, kek, encryptedKey.EncryptedKey.GetOctets());
            }
            finally
            {
                Array.Clear(z);
                if (kek != null)
                {
                    Array.Clear(kek);
                }
            }
        }

        /// <summary>
        /// The originator's ephemeral key as a SubjectPublicKeyInfo for <see cref="IKeyDecryptor.Agree"/>. RFC 5753 lets
        /// the sender leave out the curve (OpenSSL does); it is then the recipient's own.
        /// </summary>
        private static byte[] OriginatorKeyInfo(OriginatorPublicKey originator, IKeyDecryptor key)
        {
            AlgorithmIdentifier algorithm = originator.Algorithm;
            if (algorithm.Algorithm.Id == EnvelopingOids.EcPublicKey && (algorithm.Parameters == null || algorithm.Parameters is DerNull))
            {
                var ownParameters = key.Certificate.PublicKey.EncodedParameters.RawData;
                algorithm = new AlgorithmIdentifier(algorithm.Algorithm, Asn1Object.FromByteArray(ownParameters));
            }

            return new SubjectPublicKeyInfo(algorithm, originator.PublicKey).GetDerEncoded();
        }

        private static (byte[] Z, string SchemeOid, OriginatorPublicKey Originator) AgreeEc(RecipientIdentity recipient)
        {
            using ECDiffieHellman recipientKey = recipient.Certificate.GetECDiffieHellmanPublicKey()
                ?? throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                    $"The EC key of {recipient.Describe()} cannot be used for key agreement.", null, recipient.Certificate);
            ECParameters recipientParameters = recipientKey.ExportParameters(false);
            using ECDiffieHellman ephemeral = ECDiffieHellman.Create(recipientParameters.Curve);
            byte[] z = ephemeral.DeriveRawSecretAgreement(recipientKey.PublicKey);
            ECParameters own = ephemeral.ExportParameters(false);
            var point = new byte[1 + own.Q.X!.Length + own.Q.Y!.Length];
            point[0] = 0x04;
            own.Q.X.CopyTo(point, 1);
            own.Q.Y.CopyTo(point, 1 + own.Q.X.Length);

            // The KDF hash follows the curve's strength (RFC 5753 §8): SHA-256 for P-256, SHA-384 for P-384, SHA-512 beyond.
            int fieldBits = own.Q.X.Length * 8;
            string scheme = fieldBits <= 256 ? EnvelopingOids.StdDhSha256Kdf : fieldBits <= 384 ? EnvelopingOids.StdDhSha384Kdf : EnvelopingOids.StdDhSha512Kdf;

            // OpenSSL and RFC 5753 §3.1.1 leave the curve out of the originator key: it is the recipient's.
            var algorithm = new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.EcPublicKey));
            return (z, scheme, new OriginatorPublicKey(algorithm, point));
        }

        private static (byte[] Z, string SchemeOid, OriginatorPublicKey Originator) AgreeMontgomery(RecipientIdentity recipient)
        {
            AsymmetricKeyParameter publicKey = PublicKeyFactory.CreateKey(recipient.Certificate.PublicKey.ExportSubjectPublicKeyInfo());
            var random = new SecureRandom();
            switch (publicKey)
            {
                case X25519PublicKeyParameters x25519:
                    var ephemeral25519 = new X25519PrivateKeyParameters(random);
                    var agreement25519 = new X25519Agreement();
                    agreement25519.Init(ephemeral25519);
                    var z25519 = new byte[agreement25519.AgreementSize];
                    agreement25519.CalculateAgreement(x25519, z25519, 0);
                    return (z25519, EnvelopingOids.StdDhHkdfSha256, new OriginatorPublicKey(
                        new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.X25519)), ephemeral25519.GeneratePublicKey().GetEncoded()));
                case X448PublicKeyParameters x448:
                    var ephemeral448 = new X448PrivateKeyParameters(random);
                    var agreement448 = new X448Agreement();
                    agreement448.Init(ephemeral448);
                    var z448 = new byte[agreement448.AgreementSize];
                    agreement448.CalculateAgreement(x448, z448, 0);
                    return (z448, EnvelopingOids.StdDhHkdfSha512, new OriginatorPublicKey(
                        new AlgorithmIdentifier(new DerObjectIdentifier(EnvelopingOids.X448)), ephemeral448.GeneratePublicKey().GetEncoded()));
                default:
                    throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                        $"The key of {recipient.Describe()} is not an X25519 or X448 key.", null, recipient.Certificate);
            }
        }
    }
}
