using System;
using System.Numerics;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// RSA signature verification for the cases .NET does not cover: RSASSA-PSS with another salt length or MGF1
    /// hash (openssl signs with the maximum salt by default), PKCS#1 v1.5 with SHA-224 or a DigestInfo without
    /// its NULL. Public-key operations only (RFC 8017 §8.1.2, §8.2.2, §9.1.2, §9.2); BouncyCastle is avoided
    /// here because it checks every RSA modulus it is given with Miller-Rabin rounds, tens of milliseconds each.
    /// </summary>
    internal static class SignerRsaMath
    {
        /// <summary>RSASSA-PKCS1-v1_5 verification by re-encoding (RFC 8017 §8.2.2), accepting the DigestInfo with or without NULL parameters.</summary>
        public static bool VerifyPkcs1(RSAParameters key, string digestOid, byte[] digest, byte[] signature)
        {
            var encoded = Open(key, signature);
            if (encoded == null)
            {
                return false;
            }

            var oid = new DerObjectIdentifier(digestOid);
            foreach (var algorithm in new[] { new AlgorithmIdentifier(oid, DerNull.Instance), new AlgorithmIdentifier(oid) })
            {
                var digestInfo = new DigestInfo(algorithm, digest).GetEncoded(Asn1Encodable.Der);
                if (encoded.Length < digestInfo.Length + 11)
                {
                    continue;
                }

                var expected = new byte[encoded.Length];
                expected[1] = 0x01;
                expected.AsSpan(2, encoded.Length - digestInfo.Length - 3).Fill(0xFF);
                digestInfo.CopyTo(expected, encoded.Length - digestInfo.Length);
                if (CryptographicOperations.FixedTimeEquals(expected, encoded))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>RSASSA-PSS verification (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2) with MGF1.</summary>
        public static bool VerifyPss(RSAParameters key, HashAlgorithmName hash, HashAlgorithmName mgfHash, int saltLength, byte[] digest, byte[] signature)
        {
            int modulusBits = (int)new BigInteger(key.Modulus, isUnsigned: true, isBigEndian: true).GetBitLength();
            int emBits = modulusBits - 1;
            int emLength = (emBits + 7) / 8;
            var opened = Open(key, signature);
            if (opened == null)
            {
                return false;
            }

            // I2OSP(m, emLen): when emLen is one octet shorter than the modulus, the leading octet must be zero.
            if (opened.Length > emLength && opened[0] != 0)
            {
                return false;
            }

            var em = opened.AsSpan(opened.Length - emLength);
            int hashLength = digest.Length;
            if (saltLength < 0 || emLength < hashLength + saltLength + 2 || em[^1] != 0xBC)
            {
                return false;
            }

            int dbLength = emLength - hashLength - 1;
            var maskedDb = em[..dbLength];
            var h = em.Slice(dbLength, hashLength);
            int zeroBits = 8 * emLength - emBits;
            if ((maskedDb[0] & (0xFF << (8 - zeroBits)) & 0xFF) != 0)
            {
                return false;
            }

            var db = Mgf1(mgfHash, h, dbLength);
            for (int i = 0; i < dbLength; i++)
            {
                db[i] ^= maskedDb[i];
            }

            db[0] &= (byte)(0xFF >> zeroBits);
            int separator = emLength - hashLength - saltLength - 2;
            for (int i = 0; i < separator; i++)
            {
                if (db[i] != 0)
                {
                    return false;
                }
            }

            if (db[separator] != 0x01)
            {
                return false;
            }

            var prime = new byte[8 + hashLength + saltLength];
            digest.CopyTo(prime, 8);
            db.AsSpan(dbLength - saltLength).CopyTo(prime.AsSpan(8 + hashLength));
            using var hasher = IncrementalHash.CreateHash(hash);
            hasher.AppendData(prime);
            return CryptographicOperations.FixedTimeEquals(hasher.GetHashAndReset(), h);
        }

        /// <summary>s^e mod n as a k-octet string (RFC 8017 §5.2.2, RSAVP1); null when the signature is out of range.</summary>
        private static byte[]? Open(RSAParameters key, byte[] signature)
        {
            int k = key.Modulus!.Length;
            var n = new BigInteger(key.Modulus, isUnsigned: true, isBigEndian: true);
            var e = new BigInteger(key.Exponent, isUnsigned: true, isBigEndian: true);
            var s = new BigInteger(signature, isUnsigned: true, isBigEndian: true);
            if (signature.Length > k || s >= n)
            {
                return null;
            }

            var m = BigInteger.ModPow(s, e, n).ToByteArray(isUnsigned: true, isBigEndian: true);
            var result = new byte[k];
            m.CopyTo(result, k - m.Length);
            return result;
        }

        private static byte[] Mgf1(HashAlgorithmName hash, ReadOnlySpan<byte> seed, int length)
        {
            var mask = new byte[length];
            using var hasher = IncrementalHash.CreateHash(hash);
            Span<byte> counter = stackalloc byte[4];
            int done = 0;
            for (uint i = 0; done < length; i++)
            {
                counter[0] = (byte)(i >> 24);
                counter[1] = (byte)(i >> 16);
                counter[2] = (byte)(i >> 8);
                counter[3] = (byte)i;
                hasher.AppendData(seed);
                hasher.AppendData(counter);
                var block = hasher.GetHashAndReset();
                int n = Math.Min(block.Length, length - done);
                block.AsSpan(0, n).CopyTo(mask.AsSpan(done));
                done += n;
            }

            return mask;
        }
    }
}
