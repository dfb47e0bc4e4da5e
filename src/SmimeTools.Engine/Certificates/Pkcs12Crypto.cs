using System;
using System.Linq;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Oiw;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// The password-based cryptography of PKCS#12: PBES2 (PBKDF2 with AES or 3DES, through .NET's native code),
    /// the RFC 7292 pbeWithSHAAnd... schemes (through BouncyCastle), and the integrity MAC (RFC 7292 Appendix B
    /// derivation with any digest BouncyCastle knows, or PBMAC1 of RFC 9579). Reading, every derivation first takes
    /// its iterations from the file's <see cref="Pkcs12WorkBudget"/>.
    /// </summary>
    internal static class Pkcs12Crypto
    {
        private static readonly DerObjectIdentifier Pbmac1 = new("1.2.840.113549.1.5.14");

        /// <summary>
        /// Decrypts content protected by PBES2, PBES1 or a PKCS#12 PBE scheme, once its iterations are taken from
        /// <paramref name="budget"/>. Throws <see cref="CryptographicException"/> when the password does not fit.
        /// </summary>
        public static byte[] Decrypt(AlgorithmIdentifier algorithm, byte[] data, Pkcs12Password password, Pkcs12WorkBudget budget)
        {
            budget.Spend(IterationsOf(algorithm));
            if (algorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdPbeS2) && TryDecryptPbes2Natively(algorithm, data, password, out var plain))
            {
                return plain;
            }

            var cipher = PbeUtilities.CreateEngine(algorithm) as IBufferedCipher
                ?? throw new NotSupportedException($"The encryption scheme {algorithm.Algorithm.Id} is not supported.");
            var parameters = PbeUtilities.GenerateCipherParameters(algorithm, password.Chars, password.EmptyAsTwoZeroBytes);
            cipher.Init(false, parameters);
            try
            {
                return cipher.DoFinal(data);
            }
            catch (InvalidCipherTextException e)
            {
                throw new CryptographicException("The password does not decrypt the content.", e);
            }
        }

        /// <summary>PBES2 (RFC 8018): PBKDF2-HMAC-SHA256 over the UTF-8 password, AES-256-CBC.</summary>
        public static byte[] EncryptPbes2(byte[] plaintext, Pkcs12Password password, int iterations, out AlgorithmIdentifier algorithm)
        {
            var salt = RandomNumberGenerator.GetBytes(16);
            var iv = RandomNumberGenerator.GetBytes(16);
            var secret = password.Utf8Bytes();
            var key = Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations, HashAlgorithmName.SHA256, 32);
            try
            {
                using var aes = Aes.Create();
                aes.Key = key;
                var prf = new AlgorithmIdentifier(PkcsObjectIdentifiers.IdHmacWithSha256, DerNull.Instance);
                var parameters = new PbeS2Parameters(
                    new KeyDerivationFunc(PkcsObjectIdentifiers.IdPbkdf2, new Pbkdf2Params(salt, iterations, prf)),
                    new EncryptionScheme(NistObjectIdentifiers.IdAes256Cbc, new DerOctetString(iv)));
                algorithm = new AlgorithmIdentifier(PkcsObjectIdentifiers.IdPbeS2, parameters);
                return aes.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
                CryptographicOperations.ZeroMemory(secret);
            }
        }

        /// <summary>One of the RFC 7292 Appendix C schemes (pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd40BitRC2-CBC), for old readers.</summary>
        public static byte[] EncryptPkcs12Pbe(DerObjectIdentifier scheme, byte[] plaintext, Pkcs12Password password, int iterations, out AlgorithmIdentifier algorithm)
        {
            var salt = RandomNumberGenerator.GetBytes(8);
            algorithm = new AlgorithmIdentifier(scheme, new Pkcs12PbeParams(salt, iterations));
            var cipher = (IBufferedCipher)PbeUtilities.CreateEngine(algorithm);
            cipher.Init(true, PbeUtilities.GenerateCipherParameters(algorithm, password.Chars, password.EmptyAsTwoZeroBytes));
            return cipher.DoFinal(plaintext);
        }

        /// <summary>
        /// Computes the integrity MAC over <paramref name="authSafe"/> with the algorithm, salt and iterations of a
        /// MacData; a reader passes its <paramref name="budget"/>, from which the derivation's iterations are taken first.
        /// </summary>
        public static byte[] ComputeMac(AlgorithmIdentifier macAlgorithm, byte[] salt, int iterations, byte[] authSafe, Pkcs12Password password,
            Pkcs12WorkBudget? budget = null)
        {
            if (iterations < 1)
            {
                throw new NotSupportedException($"The MAC iteration count {iterations} is not positive.");
            }

            if (macAlgorithm.Algorithm.Equals(Pbmac1))
            {
                return ComputePbmac1(macAlgorithm, authSafe, password, budget);
            }

            budget?.Spend(iterations);

            var native = NativeHashFor(macAlgorithm.Algorithm);
            if (native != null)
            {
                var bytes = password.Pkcs12Bytes();
                var macKey = Pkcs12Kdf(native.Value, bytes, salt, iterations, id: 3, HashSize(native.Value));
                try
                {
                    using var hmac = IncrementalHash.CreateHMAC(native.Value, macKey);
                    hmac.AppendData(authSafe);
                    return hmac.GetHashAndReset();
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(macKey);
                    CryptographicOperations.ZeroMemory(bytes);
                }
            }

            var kdfDigest = DigestUtilities.GetDigest(macAlgorithm.Algorithm);
            var generator = new Pkcs12ParametersGenerator(kdfDigest);
            var secret = password.Pkcs12Bytes();
            try
            {
                generator.Init(secret, salt, iterations);
                var key = (KeyParameter)generator.GenerateDerivedMacParameters(kdfDigest.GetDigestSize() * 8);
                var hmac = new HMac(DigestUtilities.GetDigest(macAlgorithm.Algorithm));
                hmac.Init(key);
                hmac.BlockUpdate(authSafe, 0, authSafe.Length);
                var result = new byte[hmac.GetMacSize()];
                hmac.DoFinal(result, 0);
                return result;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }

        /// <summary>The iterations a MAC runs: those of MacData, or for PBMAC1 those of its PBKDF2 (RFC 9579 ignores MacData's).</summary>
        public static int MacIterationsOf(AlgorithmIdentifier macAlgorithm, int macDataIterations) =>
            macAlgorithm.Algorithm.Equals(Pbmac1)
                ? CheckedCount(Pbkdf2Params.GetInstance(AlgorithmIdentifier.GetInstance(Asn1Sequence.GetInstance(macAlgorithm.Parameters)[0]).Parameters).IterationCount)
                : macDataIterations;

        /// <summary>The digest algorithm identifier written into MacData.</summary>
        public static AlgorithmIdentifier MacAlgorithm(bool legacy) => legacy
            ? new AlgorithmIdentifier(OiwObjectIdentifiers.IdSha1, DerNull.Instance)
            : new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance);

        /// <summary>The name a reader gives the scheme, for messages and tests.</summary>
        public static string Describe(AlgorithmIdentifier algorithm)
        {
            if (algorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdPbeS2))
            {
                var parameters = PbeS2Parameters.GetInstance(algorithm.Parameters);
                return $"PBES2 {parameters.EncryptionScheme.Algorithm.Id}";
            }

            return algorithm.Algorithm.Id;
        }

        /// <summary>
        /// The RFC 7292 Appendix B.2 derivation over .NET's native hashes: BouncyCastle's managed one takes several
        /// times longer, which at 100,000 iterations is most of the cost of writing or reading a file.
        /// </summary>
        internal static byte[] Pkcs12Kdf(HashAlgorithmName hash, byte[] password, byte[] salt, int iterations, byte id, int length)
        {
            int u = HashSize(hash);
            int v = hash == HashAlgorithmName.SHA384 || hash == HashAlgorithmName.SHA512 ? 128 : 64;
            byte[] Fill(byte[] source) => source.Length == 0 ? source
                : Enumerable.Range(0, v * ((source.Length + v - 1) / v)).Select(i => source[i % source.Length]).ToArray();
            var input = Fill(salt).Concat(Fill(password)).ToArray();
            var result = new byte[length];
            var block = new byte[v + input.Length];
            Span<byte> a = stackalloc byte[u];
            var b = new byte[v];
            try
            {
                for (int done = 0; done < length; done += u)
                {
                    block.AsSpan(0, v).Fill(id);
                    input.CopyTo(block, v);
                    Hash(hash, block, a);
                    for (int r = 1; r < iterations; r++)
                    {
                        Hash(hash, a, a);
                    }

                    a.Slice(0, Math.Min(u, length - done)).CopyTo(result.AsSpan(done));
                    if (done + u >= length)
                    {
                        break;
                    }

                    for (int i = 0; i < v; i++)
                    {
                        b[i] = a[i % u];
                    }

                    // I_j = (I_j + B + 1) mod 2^(8v), for each v-byte block of I.
                    for (int j = 0; j < input.Length; j += v)
                    {
                        int carry = 1;
                        for (int k = v - 1; k >= 0; k--)
                        {
                            carry += input[j + k] + b[k];
                            input[j + k] = (byte)carry;
                            carry >>= 8;
                        }
                    }
                }

                return result;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(input);
                CryptographicOperations.ZeroMemory(block);
                CryptographicOperations.ZeroMemory(a);
            }
        }

        private static void Hash(HashAlgorithmName hash, ReadOnlySpan<byte> data, Span<byte> output)
        {
            if (hash == HashAlgorithmName.SHA1)
            {
                SHA1.HashData(data, output);
            }
            else if (hash == HashAlgorithmName.SHA256)
            {
                SHA256.HashData(data, output);
            }
            else if (hash == HashAlgorithmName.SHA384)
            {
                SHA384.HashData(data, output);
            }
            else
            {
                SHA512.HashData(data, output);
            }
        }

        private static int HashSize(HashAlgorithmName hash) =>
            hash == HashAlgorithmName.SHA1 ? 20 : hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : 64;

        private static HashAlgorithmName? NativeHashFor(DerObjectIdentifier digest)
        {
            if (digest.Equals(OiwObjectIdentifiers.IdSha1))
            {
                return HashAlgorithmName.SHA1;
            }

            if (digest.Equals(NistObjectIdentifiers.IdSha256))
            {
                return HashAlgorithmName.SHA256;
            }

            if (digest.Equals(NistObjectIdentifiers.IdSha384))
            {
                return HashAlgorithmName.SHA384;
            }

            if (digest.Equals(NistObjectIdentifiers.IdSha512))
            {
                return HashAlgorithmName.SHA512;
            }

            return null;
        }

        private static byte[] ComputePbmac1(AlgorithmIdentifier macAlgorithm, byte[] authSafe, Pkcs12Password password, Pkcs12WorkBudget? budget)
        {
            // RFC 9579: PBMAC1 { PBKDF2 parameters, HMAC scheme }; the MacData salt is ignored, PBKDF2's own is used.
            var parameters = Asn1Sequence.GetInstance(macAlgorithm.Parameters);
            var kdf = AlgorithmIdentifier.GetInstance(parameters[0]);
            var scheme = AlgorithmIdentifier.GetInstance(parameters[1]);
            if (!kdf.Algorithm.Equals(PkcsObjectIdentifiers.IdPbkdf2))
            {
                throw new NotSupportedException($"PBMAC1 with key derivation {kdf.Algorithm.Id} is not supported.");
            }

            var pbkdf2 = Pbkdf2Params.GetInstance(kdf.Parameters);
            var prf = HashFor(pbkdf2.IsDefaultPrf ? PkcsObjectIdentifiers.IdHmacWithSha1 : pbkdf2.Prf.Algorithm)
                ?? throw new NotSupportedException($"PBKDF2 with {pbkdf2.Prf.Algorithm.Id} is not supported.");
            var hash = HashFor(scheme.Algorithm) ?? throw new NotSupportedException($"PBMAC1 with {scheme.Algorithm.Id} is not supported.");
            var iterations = CheckedCount(pbkdf2.IterationCount);
            var length = pbkdf2.KeyLength?.IntValueExact ?? throw new NotSupportedException("PBMAC1 without a key length is not valid (RFC 9579).");
            budget?.Spend(iterations);
            var secret = password.Utf8Bytes();
            var key = Rfc2898DeriveBytes.Pbkdf2(secret, pbkdf2.GetSalt(), iterations, prf, length);
            try
            {
                using var hmac = IncrementalHash.CreateHMAC(hash, key);
                hmac.AppendData(authSafe);
                return hmac.GetHashAndReset();
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
                CryptographicOperations.ZeroMemory(secret);
            }
        }

        private static bool TryDecryptPbes2Natively(AlgorithmIdentifier algorithm, byte[] data, Pkcs12Password password, out byte[] plain)
        {
            plain = Array.Empty<byte>();
            var parameters = PbeS2Parameters.GetInstance(algorithm.Parameters);
            if (!parameters.KeyDerivationFunc.Algorithm.Equals(PkcsObjectIdentifiers.IdPbkdf2))
            {
                return false;
            }

            var kdf = Pbkdf2Params.GetInstance(parameters.KeyDerivationFunc.Parameters);
            var prf = HashFor(kdf.IsDefaultPrf ? PkcsObjectIdentifiers.IdHmacWithSha1 : kdf.Prf.Algorithm);
            var scheme = parameters.EncryptionScheme;
            var (keyLength, isAes) = CipherFor(scheme.Algorithm);
            if (prf == null || keyLength == 0 || kdf.Salt == null)
            {
                return false;
            }

            var iterations = CheckedCount(kdf.IterationCount);
            var iv = Asn1OctetString.GetInstance(scheme.Parameters).GetOctets();
            var secret = password.Utf8Bytes();
            var key = Rfc2898DeriveBytes.Pbkdf2(secret, kdf.GetSalt(), iterations, prf.Value, keyLength);
            try
            {
                using SymmetricAlgorithm cipher = isAes ? Aes.Create() : TripleDES.Create();
                cipher.Key = key;
                plain = cipher.DecryptCbc(data, iv, PaddingMode.PKCS7);
                return true;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
                CryptographicOperations.ZeroMemory(secret);
            }
        }

        /// <summary>
        /// The iterations decrypting with <paramref name="algorithm"/> runs, from its parameters: PKCS#12 PBE, PBES1, and
        /// PBES2 with PBKDF2. A scheme whose cost cannot be read from its parameters is not run at all.
        /// </summary>
        public static int IterationsOf(AlgorithmIdentifier algorithm)
        {
            var id = algorithm.Algorithm.Id;
            if (PbeUtilities.IsPkcs12(id))
            {
                return CheckedCount(Pkcs12PbeParams.GetInstance(algorithm.Parameters).Iterations);
            }

            if (algorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdPbeS2))
            {
                var kdf = PbeS2Parameters.GetInstance(algorithm.Parameters).KeyDerivationFunc;
                if (!kdf.Algorithm.Equals(PkcsObjectIdentifiers.IdPbkdf2))
                {
                    throw new NotSupportedException($"PBES2 with key derivation {kdf.Algorithm.Id} is not supported.");
                }

                return CheckedCount(Pbkdf2Params.GetInstance(kdf.Parameters).IterationCount);
            }

            if (PbeUtilities.IsPkcs5Scheme1(id))
            {
                return CheckedCount(PbeParameter.GetInstance(algorithm.Parameters).IterationCount);
            }

            throw new NotSupportedException($"The encryption scheme {id} is not supported.");
        }

        private static int CheckedCount(Org.BouncyCastle.Math.BigInteger count)
        {
            if (count.SignValue <= 0 || count.BitLength > 31)
            {
                throw new NotSupportedException($"The iteration count {count} is outside 1..{int.MaxValue}.");
            }

            return count.IntValue;
        }

        private static HashAlgorithmName? HashFor(DerObjectIdentifier prf)
        {
            if (prf.Equals(PkcsObjectIdentifiers.IdHmacWithSha1))
            {
                return HashAlgorithmName.SHA1;
            }

            if (prf.Equals(PkcsObjectIdentifiers.IdHmacWithSha256))
            {
                return HashAlgorithmName.SHA256;
            }

            if (prf.Equals(PkcsObjectIdentifiers.IdHmacWithSha384))
            {
                return HashAlgorithmName.SHA384;
            }

            if (prf.Equals(PkcsObjectIdentifiers.IdHmacWithSha512))
            {
                return HashAlgorithmName.SHA512;
            }

            return null;
        }

        private static (int KeyLength, bool IsAes) CipherFor(DerObjectIdentifier cipher)
        {
            if (cipher.Equals(NistObjectIdentifiers.IdAes128Cbc))
            {
                return (16, true);
            }

            if (cipher.Equals(NistObjectIdentifiers.IdAes192Cbc))
            {
                return (24, true);
            }

            if (cipher.Equals(NistObjectIdentifiers.IdAes256Cbc))
            {
                return (32, true);
            }

            if (cipher.Equals(PkcsObjectIdentifiers.DesEde3Cbc))
            {
                return (24, false);
            }

            return (0, false);
        }
    }
}
