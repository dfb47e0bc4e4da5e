using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms.Ecc;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Digests;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Turns a key agreement's shared secret Z into the key-encryption key: ECC-CMS-SharedInfo (RFC 5753 §7.2) fed to the
    /// ANSI X9.63 KDF, or to HKDF as RFC 8418 §2.2 has it (salt = ukm when present, info = the SharedInfo).
    /// </summary>
    internal static class KeyAgreementKdf
    {
        /// <summary>DER of ECC-CMS-SharedInfo: the key wrap algorithm, the ukm if any, and the KEK length in bits.</summary>
        public static byte[] SharedInfo(AlgorithmIdentifier keyWrap, byte[]? ukm, int kekLength)
        {
            var bits = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(bits, kekLength * 8);
            var info = new ECC_CMS_SharedInfo(keyWrap, ukm == null ? null : new DerOctetString(ukm), new DerOctetString(bits));
            return info.GetDerEncoded();
        }

        public static byte[] Derive(KeyAgreementScheme scheme, byte[] z, byte[]? ukm, byte[] sharedInfo, int length)
        {
            if (scheme.UsesHkdf)
            {
                return HKDF.DeriveKey(scheme.Hash, z, length, ukm ?? Array.Empty<byte>(), sharedInfo);
            }

            return X963(scheme.Hash, z, sharedInfo, length);
        }

        /// <summary>ANSI X9.63 KDF: Hash(Z || counter || SharedInfo) for counter = 1, 2, …, concatenated and cut to length.</summary>
        private static byte[] X963(HashAlgorithmName hash, byte[] z, byte[] sharedInfo, int length)
        {
            var output = new byte[length];
            var counter = new byte[4];
            int done = 0;
            for (uint i = 1; done < length; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(counter, i);
                byte[] block = Hash(hash, z, counter, sharedInfo);
                int take = Math.Min(block.Length, length - done);
                Buffer.BlockCopy(block, 0, output, done, take);
                done += take;
            }

            return output;
        }

        private static byte[] Hash(HashAlgorithmName hash, byte[] z, byte[] counter, byte[] sharedInfo)
        {
            if (hash == KeyAgreementScheme.Sha224)
            {
                var digest = new Sha224Digest();
                digest.BlockUpdate(z, 0, z.Length);
                digest.BlockUpdate(counter, 0, counter.Length);
                digest.BlockUpdate(sharedInfo, 0, sharedInfo.Length);
                var result = new byte[digest.GetDigestSize()];
                digest.DoFinal(result, 0);
                return result;
            }

            using var incremental = IncrementalHash.CreateHash(hash);
            incremental.AppendData(z);
            incremental.AppendData(counter);
            incremental.AppendData(sharedInfo);
            return incremental.GetHashAndReset();
        }
    }
}
