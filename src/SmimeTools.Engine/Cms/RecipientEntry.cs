using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// One recipient read from a message's RecipientInfos: what it is called (for listing and errors) and the
    /// structures needed to recover the content-encryption key when one of our keys matches it.
    /// </summary>
    internal sealed class RecipientEntry
    {
        private static readonly byte[] StandInSecret = RandomNumberGenerator.GetBytes(32);
        private static readonly byte[] StandInLabel = "SmimeTools key transport stand-in"u8.ToArray();

        private readonly IssuerAndSerialNumber? _issuerAndSerial;
        private readonly Asn1OctetString? _subjectKeyIdentifier;

        private RecipientEntry(EnvelopedRecipient description, IssuerAndSerialNumber? issuerAndSerial, Asn1OctetString? subjectKeyIdentifier)
        {
            Description = description;
            _issuerAndSerial = issuerAndSerial;
            _subjectKeyIdentifier = subjectKeyIdentifier;
        }

        public EnvelopedRecipient Description { get; }

        public KeyTransRecipientInfo? KeyTransport { get; private init; }

        public KeyAgreeRecipientInfo? KeyAgreement { get; private init; }

        /// <summary>For key agreement: this recipient's entry in RecipientEncryptedKeys.</summary>
        public RecipientEncryptedKey? AgreedKey { get; private init; }

        /// <summary>True when the recipient is named by this certificate.</summary>
        public bool Matches(RecipientIdentity identity) =>
            (_issuerAndSerial != null && identity.Matches(_issuerAndSerial))
            || (_subjectKeyIdentifier != null && identity.Matches(_subjectKeyIdentifier));

        /// <summary>Every (recipient, key) pair where the key's certificate names the recipient and its algorithm fits the recipient's kind, in message order.</summary>
        public static IEnumerable<(RecipientEntry Entry, IKeyDecryptor Key)> Matching(IReadOnlyList<RecipientEntry> entries, IReadOnlyList<IKeyDecryptor> keys)
        {
            var identities = Identities(keys);
            foreach (var entry in entries)
            {
                foreach (var (key, identity) in identities)
                {
                    bool usable = entry.KeyTransport != null
                        ? key.Algorithm == KeyAlgorithmKind.Rsa
                        : entry.KeyAgreement != null && key.Algorithm is KeyAlgorithmKind.Ec or KeyAlgorithmKind.X25519 or KeyAlgorithmKind.X448;
                    if (usable && entry.Matches(identity))
                    {
                        yield return (entry, key);
                    }
                }
            }
        }

        /// <summary>The first recipient one of <paramref name="keys"/> opens; <see cref="DecryptionKeyNotFoundException"/> when none does.</summary>
        public static (RecipientEntry Entry, IKeyDecryptor Key) FindFor(IReadOnlyList<RecipientEntry> entries, IReadOnlyList<IKeyDecryptor> keys)
        {
            foreach (var match in Matching(entries, keys))
            {
                return match;
            }

            throw new DecryptionKeyNotFoundException(
                entries.Select(e => e.Description).ToArray(), Identities(keys).Select(i => i.Identity.Certificate).ToArray());
        }

        /// <summary>
        /// The content-encryption key. When RSA key transport fails (padding, or a key of the wrong length) a stand-in key of
        /// the length <paramref name="algorithm"/> needs is returned instead, and nothing tells the two apart: decryption goes
        /// on and fails where a wrong key fails, at the CBC padding or the GCM tag, with the same error in the same time (the
        /// RFC 3218 §2.3.2 defence against Bleichenbacher's attack; OpenSSL's implicit rejection). The stand-in depends only on
        /// the encrypted key and the recipient's certificate, so asking twice gives the same answer, as a wrong key would.
        /// </summary>
        public byte[] RecoverContentKey(IKeyDecryptor key, ContentCipherAlgorithm algorithm)
        {
            if (KeyTransport != null)
            {
                byte[]? recovered = null;
                try
                {
                    recovered = KeyTransportRecipient.RecoverKey(KeyTransport, key);
                }
                catch (CryptographicException)
                {
                    // Hidden on purpose; see above.
                }
                catch (Exception e) when (DecodingFailure.Is(e))
                {
                    // Damaged algorithm parameters are plain to see in the message: saying so tells an attacker nothing about the key.
                    throw EnvelopedErrors.Malformed("the key-encryption algorithm of a recipient cannot be decoded", e);
                }

                if (recovered != null && algorithm.AcceptsKeyLength(recovered.Length))
                {
                    return recovered;
                }

                if (recovered != null)
                {
                    Array.Clear(recovered);
                }

                return StandInKey(KeyTransport.EncryptedKey.GetOctets(), key.Certificate, algorithm);
            }

            byte[] agreed;
            try
            {
                agreed = KeyAgreementRecipient.RecoverKey(KeyAgreement!, AgreedKey!, key);
            }
            catch (Exception e) when (e is CryptographicException || DecodingFailure.Is(e))
            {
                throw EnvelopedErrors.DecryptionFailed("the content-encryption key could not be recovered", e);
            }

            if (!algorithm.AcceptsKeyLength(agreed.Length))
            {
                Array.Clear(agreed);
                throw EnvelopedErrors.DecryptionFailed($"the recovered key does not fit {algorithm.Name}");
            }

            return agreed;
        }

        /// <summary>
        /// The key a failed key transport stands in with: HKDF-SHA256 under a secret of this process over the encrypted key and
        /// the certificate, so it is the same for the same message and key and unknowable outside the process.
        /// </summary>
        private static byte[] StandInKey(byte[] encryptedKey, X509Certificate2 certificate, ContentCipherAlgorithm algorithm)
        {
            byte[] info = [.. StandInLabel, .. certificate.RawData, .. encryptedKey];
            return algorithm.KeyFrom(HKDF.DeriveKey(HashAlgorithmName.SHA256, StandInSecret, algorithm.KeyLength, null, info));
        }

        /// <summary>Reads every RecipientInfo; structural damage is <see cref="ErrorIds.MalformedMessage"/>.</summary>
        public static IReadOnlyList<RecipientEntry> ReadAll(IEnumerable<Asn1Encodable> recipientInfos)
        {
            var entries = new List<RecipientEntry>();
            try
            {
                foreach (Asn1Encodable element in recipientInfos)
                {
                    var info = RecipientInfo.GetInstance(element);
                    switch (info.Info)
                    {
                        case KeyTransRecipientInfo ktri:
                            entries.Add(FromKeyTransport(ktri));
                            break;
                        case KeyAgreeRecipientInfo kari:
                            entries.AddRange(FromKeyAgreement(kari));
                            break;
                        case KekRecipientInfo kekri:
                            entries.Add(new RecipientEntry(
                                new EnvelopedRecipient
                                {
                                    Kind = RecipientKind.Kek,
                                    KeyIdentifier = Convert.ToHexString(kekri.KekID.KeyIdentifier.GetOctets()),
                                    KeyEncryptionAlgorithm = EnvelopingOids.NameOf(kekri.KeyEncryptionAlgorithm.Algorithm.Id),
                                    KeyEncryptionAlgorithmOid = kekri.KeyEncryptionAlgorithm.Algorithm.Id,
                                },
                                null,
                                null));
                            break;
                        case PasswordRecipientInfo pwri:
                            entries.Add(new RecipientEntry(
                                new EnvelopedRecipient
                                {
                                    Kind = RecipientKind.Password,
                                    KeyEncryptionAlgorithm = EnvelopingOids.NameOf(pwri.KeyEncryptionAlgorithm.Algorithm.Id),
                                    KeyEncryptionAlgorithmOid = pwri.KeyEncryptionAlgorithm.Algorithm.Id,
                                },
                                null,
                                null));
                            break;
                        default:
                            entries.Add(new RecipientEntry(new EnvelopedRecipient { Kind = RecipientKind.Other }, null, null));
                            break;
                    }
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException or InvalidOperationException or FormatException or CryptographicException)
            {
                throw EnvelopedErrors.Malformed($"a recipient entry (RecipientInfo) is damaged ({e.Message})", e);
            }

            return entries;
        }

        private static List<(IKeyDecryptor Key, RecipientIdentity Identity)> Identities(IReadOnlyList<IKeyDecryptor> keys)
        {
            var identities = new List<(IKeyDecryptor Key, RecipientIdentity Identity)>();
            foreach (var key in keys)
            {
                if (key?.Certificate != null)
                {
                    identities.Add((key, new RecipientIdentity(key.Certificate)));
                }
            }

            return identities;
        }

        private static RecipientEntry FromKeyTransport(KeyTransRecipientInfo ktri)
        {
            string oid = ktri.KeyEncryptionAlgorithm.Algorithm.Id;
            var description = new EnvelopedRecipient
            {
                Kind = RecipientKind.KeyTransport,
                KeyEncryptionAlgorithm = EnvelopingOids.NameOf(oid),
                KeyEncryptionAlgorithmOid = oid,
            };
            var rid = ktri.RecipientIdentifier;
            if (rid.IsTagged)
            {
                var ski = Asn1OctetString.GetInstance(rid.ID);
                return new RecipientEntry(description with { SubjectKeyIdentifier = Convert.ToHexString(ski.GetOctets()) }, null, ski)
                {
                    KeyTransport = ktri,
                };
            }

            var ias = IssuerAndSerialNumber.GetInstance(rid.ID);
            return new RecipientEntry(Named(description, ias), ias, null) { KeyTransport = ktri };
        }

        private static IEnumerable<RecipientEntry> FromKeyAgreement(KeyAgreeRecipientInfo kari)
        {
            string oid = kari.KeyEncryptionAlgorithm.Algorithm.Id;
            string? wrapOid = null;
            if (kari.KeyEncryptionAlgorithm.Parameters != null)
            {
                wrapOid = AlgorithmIdentifier.GetInstance(kari.KeyEncryptionAlgorithm.Parameters).Algorithm.Id;
            }

            var description = new EnvelopedRecipient
            {
                Kind = RecipientKind.KeyAgreement,
                KeyEncryptionAlgorithm = EnvelopingOids.NameOf(oid),
                KeyEncryptionAlgorithmOid = oid,
                KeyWrapAlgorithm = wrapOid == null ? null : EnvelopingOids.NameOf(wrapOid),
                KeyWrapAlgorithmOid = wrapOid,
            };
            foreach (Asn1Encodable element in kari.RecipientEncryptedKeys)
            {
                var encryptedKey = RecipientEncryptedKey.GetInstance(element);
                var rid = encryptedKey.Identifier;
                if (rid.IssuerAndSerialNumber != null)
                {
                    yield return new RecipientEntry(Named(description, rid.IssuerAndSerialNumber), rid.IssuerAndSerialNumber, null)
                    {
                        KeyAgreement = kari,
                        AgreedKey = encryptedKey,
                    };
                }
                else
                {
                    var ski = rid.RKeyID.SubjectKeyIdentifier;
                    yield return new RecipientEntry(description with { SubjectKeyIdentifier = Convert.ToHexString(ski.GetOctets()) }, null, ski)
                    {
                        KeyAgreement = kari,
                        AgreedKey = encryptedKey,
                    };
                }
            }
        }

        private static EnvelopedRecipient Named(EnvelopedRecipient description, IssuerAndSerialNumber ias) => description with
        {
            Issuer = new X500DistinguishedName(ias.Issuer.GetEncoded(Asn1Encodable.Der)).Name,
            SerialNumber = Convert.ToHexString(ias.SerialNumber.Value.ToByteArray()),
        };
    }
}
