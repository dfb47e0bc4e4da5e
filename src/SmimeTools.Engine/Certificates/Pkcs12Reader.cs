using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Opens PKCS#12 files as every common writer makes them: DER or BER (Firefox), MAC with any digest BouncyCastle
    /// knows (SHA-1 to SHA-512, BLAKE2) or PBMAC1, or no MAC; bags in the clear, under PBES2 (AES, 3DES) or the
    /// RFC 7292 schemes (3DES, RC2, RC4); keys with or without certificates and certificates with or without keys.
    /// </summary>
    /// <remarks>
    /// BouncyCastle's Pkcs12Store drops certificates whose localKeyId names a key the file does not hold (a
    /// <c>-nokeys</c> export) and cannot check MACs made with digests it does not map; this reader keeps every bag.
    /// </remarks>
    internal static class Pkcs12Reader
    {
        private const int MaxNesting = 8;

        /// <summary>Reads the file within <see cref="InputLimits.MaximumPkcs12Iterations"/> of <paramref name="limits"/> (the defaults when null).</summary>
        public static Pkcs12Contents Read(byte[] data, string path, char[]? password, InputLimits? limits = null) =>
            Read(data, path, password, new Pkcs12WorkBudget(path, (limits ?? InputLimits.Default).MaximumPkcs12Iterations));

        /// <summary>As the other overload, spending from <paramref name="budget"/>, which tells afterwards how much was run.</summary>
        public static Pkcs12Contents Read(byte[] data, string path, char[]? password, Pkcs12WorkBudget budget)
        {
            Pfx pfx;
            byte[] authSafe;
            try
            {
                pfx = Pfx.GetInstance(Asn1Object.FromByteArray(data));
                if (!pfx.AuthSafe.ContentType.Equals(PkcsObjectIdentifiers.Data))
                {
                    throw Unreadable(path, "it is protected with a public key (PKCS#12 public-key integrity mode), which SmimeTools does not open");
                }

                authSafe = Asn1OctetString.GetInstance(pfx.AuthSafe.Content).GetOctets();
            }
            catch (Exception e) when (IsParseFailure(e))
            {
                throw Unreadable(path, "it looks like a PKCS#12 file but its structure is damaged", e);
            }

            budget.Foresee(VisibleIterations(pfx.MacData, authSafe));
            var given = new Pkcs12Password(password ?? Array.Empty<char>());
            var readings = given.IsEmpty ? new[] { given, given.WithEmptyAsTwoZeroBytes(true) } : new[] { given };
            if (pfx.MacData != null)
            {
                var matched = readings.FirstOrDefault(r => MacMatches(pfx.MacData, authSafe, r, path, budget))
                    ?? throw BadPassword(path, password == null);
                try
                {
                    var contents = ParseGuarded(authSafe, matched, path, budget);
                    contents.HasMac = true;
                    contents.MacAlgorithm = pfx.MacData.Mac.DigestAlgorithm.Algorithm.Id;
                    return contents;
                }
                catch (PasswordMismatchException e)
                {
                    throw Unreadable(path, "its MAC matches the password but its encrypted parts do not decrypt with it", e);
                }
            }

            for (int i = 0; i < readings.Length; i++)
            {
                try
                {
                    return ParseGuarded(authSafe, readings[i], path, budget);
                }
                catch (PasswordMismatchException) when (i < readings.Length - 1)
                {
                    // The other reading of the empty password may be the one.
                }
                catch (PasswordMismatchException e)
                {
                    throw BadPassword(path, password == null, e);
                }
            }

            throw BadPassword(path, password == null);
        }

        /// <summary>
        /// The iterations the file shows before any decryption: its MAC, its encrypted parts and the shrouded keys of
        /// its parts in the clear. Parts that cannot be read count nothing here; reading them later reports them.
        /// </summary>
        private static long VisibleIterations(MacData? macData, byte[] authSafe)
        {
            long total = 0;
            if (macData != null)
            {
                total = Counted(() => Pkcs12Crypto.MacIterationsOf(macData.Mac.DigestAlgorithm, MacIterations(macData)));
            }

            ContentInfo[] parts;
            try
            {
                parts = AuthenticatedSafe.GetInstance(Asn1Object.FromByteArray(authSafe)).GetContentInfo();
            }
            catch (Exception e) when (IsParseFailure(e))
            {
                return total;
            }

            foreach (var part in parts)
            {
                if (part.ContentType.Equals(PkcsObjectIdentifiers.EncryptedData))
                {
                    total = Pkcs12WorkBudget.Add(total, Counted(() => EncryptedData.GetInstance(part.Content) is { Content: not null } encrypted
                        ? Pkcs12Crypto.IterationsOf(encrypted.EncryptionAlgorithm) : 0));
                }
                else if (part.ContentType.Equals(PkcsObjectIdentifiers.Data))
                {
                    total = Pkcs12WorkBudget.Add(total, Counted(() => ShroudedIterations(Asn1OctetString.GetInstance(part.Content).GetOctets(), 0)));
                }
            }

            return total;
        }

        private static long ShroudedIterations(byte[] encoded, int depth)
        {
            long total = 0;
            if (depth > MaxNesting)
            {
                return total;
            }

            foreach (var element in Asn1Sequence.GetInstance(Asn1Object.FromByteArray(encoded)))
            {
                var bag = SafeBag.GetInstance(element);
                if (bag.BagID.Equals(PkcsObjectIdentifiers.Pkcs8ShroudedKeyBag))
                {
                    total = Pkcs12WorkBudget.Add(total, Counted(() => Pkcs12Crypto.IterationsOf(EncryptedPrivateKeyInfo.GetInstance(bag.BagValueEncodable).EncryptionAlgorithm)));
                }
                else if (bag.BagID.Equals(PkcsObjectIdentifiers.SafeContentsBag))
                {
                    total = Pkcs12WorkBudget.Add(total, Counted(() => ShroudedIterations(bag.BagValueEncodable.ToAsn1Object().GetEncoded(), depth + 1)));
                }
            }

            return total;
        }

        /// <summary>What <paramref name="count"/> finds, or nothing when the structure it reads is damaged or of a kind not run.</summary>
        private static long Counted(Func<long> count)
        {
            try
            {
                return count();
            }
            catch (Exception e) when (IsParseFailure(e) || e is NotSupportedException)
            {
                return 0;
            }
        }

        private static int MacIterations(MacData macData) =>
            macData.IterationCount.BitLength > 31 ? int.MaxValue : macData.IterationCount.IntValue;

        private static bool MacMatches(MacData macData, byte[] authSafe, Pkcs12Password password, string path, Pkcs12WorkBudget budget)
        {
            byte[] computed;
            try
            {
                var salt = macData.GetSalt();
                computed = Pkcs12Crypto.ComputeMac(macData.Mac.DigestAlgorithm, salt, MacIterations(macData), authSafe, password, budget);
            }
            catch (Exception e) when (e is SecurityUtilityException or NotSupportedException or ArgumentException or InvalidCastException)
            {
                throw Unreadable(path, $"its integrity MAC uses {macData.Mac.DigestAlgorithm.Algorithm.Id}, which SmimeTools cannot check ({e.Message})", e);
            }

            return CryptographicOperations.FixedTimeEquals(computed, macData.Mac.Digest.GetOctets());
        }

        /// <summary>As <see cref="Parse"/>; what a damaged part raises outside the guarded steps (lazily parsed content infos, algorithm names) is unreadable too.</summary>
        private static Pkcs12Contents ParseGuarded(byte[] authSafe, Pkcs12Password password, string path, Pkcs12WorkBudget budget)
        {
            try
            {
                return Parse(authSafe, password, path, budget);
            }
            catch (Exception e) when (IsParseFailure(e))
            {
                throw Unreadable(path, "its contents are damaged", e);
            }
        }

        private static Pkcs12Contents Parse(byte[] authSafe, Pkcs12Password password, string path, Pkcs12WorkBudget budget)
        {
            var contents = new Pkcs12Contents();
            ContentInfo[] parts;
            try
            {
                parts = AuthenticatedSafe.GetInstance(Asn1Object.FromByteArray(authSafe)).GetContentInfo();
            }
            catch (Exception e) when (IsParseFailure(e))
            {
                throw Unreadable(path, "its list of contents is damaged", e);
            }

            foreach (var part in parts)
            {
                if (part.ContentType.Equals(PkcsObjectIdentifiers.Data))
                {
                    ReadSafeContents(Guard(path, () => Asn1OctetString.GetInstance(part.Content).GetOctets()), password, path, budget, contents, 0, decrypted: false);
                }
                else if (part.ContentType.Equals(PkcsObjectIdentifiers.EncryptedData))
                {
                    var encrypted = Guard(path, () => EncryptedData.GetInstance(part.Content));
                    if (encrypted.Content == null)
                    {
                        continue;
                    }

                    var plain = DecryptOrMismatch(encrypted.EncryptionAlgorithm, encrypted.Content.GetOctets(), password, path, budget);
                    ReadSafeContents(plain, password, path, budget, contents, 0, decrypted: true);
                }
                else
                {
                    throw Unreadable(path, $"part of it is protected with a public key ({part.ContentType.Id}), which SmimeTools does not open");
                }
            }

            Pair(contents);
            return contents;
        }

        private static void ReadSafeContents(byte[] encoded, Pkcs12Password password, string path, Pkcs12WorkBudget budget, Pkcs12Contents contents, int depth, bool decrypted)
        {
            if (depth > MaxNesting)
            {
                throw Unreadable(path, $"its bags are nested more than {MaxNesting} deep");
            }

            Asn1Sequence bags;
            try
            {
                bags = Asn1Sequence.GetInstance(Asn1Object.FromByteArray(encoded));
            }
            catch (Exception e) when (IsParseFailure(e))
            {
                // Garbage that happened to decrypt with valid padding means a wrong password, not a damaged file.
                throw decrypted ? new PasswordMismatchException(e) : Unreadable(path, "a list of bags in it is damaged", e);
            }

            foreach (var element in bags)
            {
                SafeBag bag;
                try
                {
                    bag = SafeBag.GetInstance(element);
                }
                catch (Exception e) when (IsParseFailure(e))
                {
                    throw decrypted ? new PasswordMismatchException(e) : Unreadable(path, "a bag in it is damaged", e);
                }

                var (localKeyId, friendlyName) = AttributesOf(bag.BagAttributes);
                if (bag.BagID.Equals(PkcsObjectIdentifiers.CertBag))
                {
                    var certificate = Guard(path, () => CertificateOf(CertBag.GetInstance(bag.BagValueEncodable)));
                    if (certificate != null)
                    {
                        contents.Certificates.Add(new Pkcs12CertificateEntry(certificate, localKeyId, friendlyName));
                    }
                }
                else if (bag.BagID.Equals(PkcsObjectIdentifiers.KeyBag))
                {
                    contents.Keys.Add(new Pkcs12KeyEntry(KeyOf(Guard(path, () => PrivateKeyInfo.GetInstance(bag.BagValueEncodable)), path), localKeyId, friendlyName));
                }
                else if (bag.BagID.Equals(PkcsObjectIdentifiers.Pkcs8ShroudedKeyBag))
                {
                    var shrouded = Guard(path, () => EncryptedPrivateKeyInfo.GetInstance(bag.BagValueEncodable));
                    var plain = DecryptOrMismatch(shrouded.EncryptionAlgorithm, shrouded.GetEncryptedData(), password, path, budget);
                    PrivateKeyInfo info;
                    try
                    {
                        info = PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(plain));
                    }
                    catch (Exception e) when (IsParseFailure(e))
                    {
                        throw new PasswordMismatchException(e);
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(plain);
                    }

                    contents.Keys.Add(new Pkcs12KeyEntry(KeyOf(info, path), localKeyId, friendlyName));
                }
                else if (bag.BagID.Equals(PkcsObjectIdentifiers.SafeContentsBag))
                {
                    ReadSafeContents(Guard(path, () => bag.BagValueEncodable.ToAsn1Object().GetEncoded()), password, path, budget, contents, depth + 1, decrypted);
                }

                // CRL and secret bags carry nothing an identity needs.
            }
        }

        private static byte[] DecryptOrMismatch(AlgorithmIdentifier algorithm, byte[] data, Pkcs12Password password, string path, Pkcs12WorkBudget budget)
        {
            try
            {
                return Pkcs12Crypto.Decrypt(algorithm, data, password, budget);
            }
            catch (CryptographicException e)
            {
                throw new PasswordMismatchException(e);
            }
            catch (Exception e) when (e is SecurityUtilityException or NotSupportedException or ArgumentException or InvalidCastException or DataLengthException)
            {
                throw Unreadable(path, $"it is encrypted with {Pkcs12Crypto.Describe(algorithm)}, which SmimeTools cannot decrypt ({e.Message})", e);
            }
        }

        private static AsymmetricKeyParameter KeyOf(PrivateKeyInfo info, string path)
        {
            try
            {
                return PrivateKeyFactory.CreateKey(info);
            }
            catch (Exception e) when (e is SecurityUtilityException or ArgumentException or InvalidCastException or IOException or InvalidOperationException)
            {
                throw Unreadable(path, $"it holds a private key of a kind SmimeTools does not know ({info.PrivateKeyAlgorithm.Algorithm.Id})", e);
            }
        }

        private static BcCertificate? CertificateOf(CertBag bag)
        {
            if (!bag.CertID.Equals(PkcsObjectIdentifiers.X509Certificate))
            {
                return null;
            }

            var der = Asn1OctetString.GetInstance(bag.CertValueEncodable).GetOctets();
            return new BcCertificate(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(der)));
        }

        private static (byte[]? LocalKeyId, string? FriendlyName) AttributesOf(Asn1Set? attributes)
        {
            byte[]? localKeyId = null;
            string? friendlyName = null;
            if (attributes == null)
            {
                return (null, null);
            }

            foreach (var element in attributes)
            {
                try
                {
                    var attribute = AttributePkcs.GetInstance(element);
                    if (attribute.AttrValues.Count == 0)
                    {
                        continue;
                    }

                    if (attribute.AttrType.Equals(PkcsObjectIdentifiers.Pkcs9AtLocalKeyID))
                    {
                        localKeyId = Asn1OctetString.GetInstance(attribute.AttrValues[0]).GetOctets();
                    }
                    else if (attribute.AttrType.Equals(PkcsObjectIdentifiers.Pkcs9AtFriendlyName))
                    {
                        friendlyName = (attribute.AttrValues[0] as IAsn1String)?.GetString();
                    }
                }
                catch (Exception e) when (IsParseFailure(e))
                {
                    // An odd attribute costs only its value; the bag itself is still good.
                }
            }

            return (localKeyId, friendlyName);
        }

        /// <summary>Joins each key to its certificate: by localKeyId when the public key agrees, else by public key alone.</summary>
        private static void Pair(Pkcs12Contents contents)
        {
            foreach (var key in contents.Keys)
            {
                Pkcs12CertificateEntry? byId = key.LocalKeyId == null ? null
                    : contents.Certificates.FirstOrDefault(c => c.LocalKeyId != null && c.LocalKeyId.AsSpan().SequenceEqual(key.LocalKeyId));
                if (byId != null && Fits(key.Key, byId.Certificate) != false)
                {
                    key.Certificate = byId.Certificate;
                    continue;
                }

                key.Certificate = contents.Certificates.FirstOrDefault(c => Fits(key.Key, c.Certificate) == true)?.Certificate;
            }
        }

        /// <summary>True or false when the key's kind can be checked against the certificate, null when it cannot.</summary>
        private static bool? Fits(AsymmetricKeyParameter key, BcCertificate certificate)
        {
            if (!KeyPairs.CanCompare(key))
            {
                return null;
            }

            try
            {
                return KeyPairs.IsPairOf(key, certificate.SubjectPublicKeyInfo);
            }
            catch (Exception e) when (e is SecurityUtilityException or ArgumentException or InvalidCastException or IOException)
            {
                return null;
            }
        }

        private static T Guard<T>(string path, Func<T> read)
        {
            try
            {
                return read();
            }
            catch (Exception e) when (IsParseFailure(e) || e is CertificateException)
            {
                throw Unreadable(path, "a bag in it is damaged", e);
            }
        }

        private static bool IsParseFailure(Exception e) =>
            e is IOException or ArgumentException or InvalidCastException or InvalidOperationException or Asn1Exception or FormatException
                or ArithmeticException or IndexOutOfRangeException;

        private static SmimeException Unreadable(string path, string why, Exception? inner = null) =>
            new(ErrorIds.UnreadableCertificateFile, SmimeErrorKind.InvalidData,
                $"Cannot read certificates from '{path}': {why}.",
                "Give a PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.p12/.pfx) file.", path, inner);

        private static SmimeException BadPassword(string path, bool noPasswordGiven, Exception? inner = null) =>
            new(ErrorIds.BadPassword, SmimeErrorKind.AuthenticationError,
                noPasswordGiven
                    ? $"The file '{path}' is protected by a password and none was given."
                    : $"The password does not open '{path}': it is wrong, or the file is damaged.",
                "Give the file's password (as a SecureString, for example from Read-Host -AsSecureString).", path, inner);

        /// <summary>Decryption with this reading of the password failed: a wrong password, when no MAC said otherwise.</summary>
        private sealed class PasswordMismatchException : Exception
        {
            public PasswordMismatchException(Exception inner)
                : base("The password does not decrypt the content.", inner)
            {
            }
        }
    }
}
