using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Key wrapping for key agreement: AES key wrap (RFC 3394, RFC 3565), AES key wrap with padding (RFC 5649),
    /// and the CMS 3DES key wrap of old messages (RFC 3217).
    /// </summary>
    internal static class KeyWrap
    {
        /// <summary>The key-encryption key length a wrap algorithm needs, in bytes; 0 when the algorithm is not supported.</summary>
        public static int KekLength(string wrapOid) => wrapOid switch
        {
            EnvelopingOids.Aes128Wrap or EnvelopingOids.Aes128WrapPad => 16,
            EnvelopingOids.Aes192Wrap or EnvelopingOids.Aes192WrapPad => 24,
            EnvelopingOids.Aes256Wrap or EnvelopingOids.Aes256WrapPad => 32,
            EnvelopingOids.TripleDesWrap => 24,
            _ => 0,
        };

        /// <summary>The AES key wrap matching a content key's strength: AES-128 for 16-byte keys and so on.</summary>
        public static string AesWrapFor(int contentKeyLength) => contentKeyLength switch
        {
            <= 16 => EnvelopingOids.Aes128Wrap,
            <= 24 => EnvelopingOids.Aes192Wrap,
            _ => EnvelopingOids.Aes256Wrap,
        };

        public static byte[] Wrap(string wrapOid, byte[] kek, byte[] key)
        {
            var engine = Engine(wrapOid);
            engine.Init(true, new KeyParameter(kek));
            return engine.Wrap(key, 0, key.Length);
        }

        /// <summary>Unwraps; a failed integrity check throws <see cref="CryptographicException"/>.</summary>
        public static byte[] Unwrap(string wrapOid, byte[] kek, byte[] wrapped)
        {
            var engine = Engine(wrapOid);
            engine.Init(false, new KeyParameter(kek));
            try
            {
                return engine.Unwrap(wrapped, 0, wrapped.Length);
            }
            catch (Exception e) when (e is InvalidCipherTextException or DataLengthException or ArgumentException)
            {
                throw new CryptographicException("The wrapped content-encryption key fails its integrity check.", e);
            }
        }

        private static IWrapper Engine(string wrapOid) => wrapOid switch
        {
            EnvelopingOids.Aes128Wrap or EnvelopingOids.Aes192Wrap or EnvelopingOids.Aes256Wrap => new AesWrapEngine(),
            EnvelopingOids.Aes128WrapPad or EnvelopingOids.Aes192WrapPad or EnvelopingOids.Aes256WrapPad => new AesWrapPadEngine(),
            EnvelopingOids.TripleDesWrap => new DesEdeWrapEngine(),
            _ => throw EnvelopedErrors.UnsupportedAlgorithm($"its key is wrapped with {EnvelopingOids.NameOf(wrapOid)}, which this module does not support"),
        };
    }
}
