using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Paddings;
using Org.BouncyCastle.Crypto.Parameters;
using SmimeTools.Engine.Policy;
using BcChaCha20Poly1305 = Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// Encrypts or decrypts message content piece by piece. AES-CBC runs on .NET's <see cref="Aes"/> (OpenSSL or CNG
    /// underneath); GCM, ChaCha20-Poly1305 and the legacy ciphers run on BouncyCastle, whose GCM is hardware-accelerated
    /// and, unlike .NET's one-shot <see cref="AesGcm"/>, streams.
    /// Integrity failures (CBC padding, AEAD tag) surface as <see cref="CryptographicException"/> from <see cref="Finish"/>.
    /// </summary>
    internal abstract class ContentCipher : IDisposable
    {
        /// <summary>
        /// Output may exceed input by at most this much per call: a held-back block, or a tag. ChaCha20-Poly1305
        /// decryption holds back a 64-byte block and the 16 bytes that might be its tag, so its Finish gives up to 127.
        /// </summary>
        public const int MaxExpansion = 128;

        public static ContentCipher Create(ContentCipherAlgorithm algorithm, byte[] key, bool forEncryption)
        {
            switch (algorithm.Algorithm)
            {
                case ContentEncryptionAlgorithm.Aes128Cbc:
                case ContentEncryptionAlgorithm.Aes192Cbc:
                case ContentEncryptionAlgorithm.Aes256Cbc:
                    return new DotNetCbcCipher(key, algorithm.Iv, forEncryption);
                case ContentEncryptionAlgorithm.Aes128Gcm:
                case ContentEncryptionAlgorithm.Aes192Gcm:
                case ContentEncryptionAlgorithm.Aes256Gcm:
                    var gcm = new GcmBlockCipher(AesUtilities.CreateEngine());
                    gcm.Init(forEncryption, new AeadParameters(new KeyParameter(key), algorithm.TagLength * 8, algorithm.Iv));
                    return new AeadCipher(gcm, algorithm.TagLength, forEncryption, lateAadAllowed: true);
                case ContentEncryptionAlgorithm.ChaCha20Poly1305:
                    var chacha = new BcChaCha20Poly1305();
                    chacha.Init(forEncryption, new AeadParameters(new KeyParameter(key), algorithm.TagLength * 8, algorithm.Iv));
                    return new AeadCipher(chacha, algorithm.TagLength, forEncryption, lateAadAllowed: false);
                case ContentEncryptionAlgorithm.TripleDesCbc:
                    return BlockCipher(new DesEdeEngine(), new KeyParameter(key), algorithm.Iv, forEncryption);
                case ContentEncryptionAlgorithm.DesCbc:
                    return BlockCipher(new DesEngine(), new KeyParameter(key), algorithm.Iv, forEncryption);
                case ContentEncryptionAlgorithm.Rc2Cbc:
                    return BlockCipher(new RC2Engine(), new RC2Parameters(key, algorithm.Rc2EffectiveBits), algorithm.Iv, forEncryption);
                default:
                    throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm.Algorithm, null);
            }
        }

        /// <summary>Processes <paramref name="count"/> bytes; returns how many were written to <paramref name="output"/>.</summary>
        public abstract int Update(byte[] input, int offset, int count, byte[] output);

        /// <summary>Ends the stream: padding, tag check. Returns how many bytes were written to <paramref name="output"/>.</summary>
        public abstract int Finish(byte[] output);

        /// <summary>AEAD encryption: the tag, once <see cref="Finish"/> has run.</summary>
        public virtual byte[] Tag => throw new InvalidOperationException("Only authenticated encryption has a tag.");

        /// <summary>AEAD decryption: the tag the message carries, checked by <see cref="Finish"/>.</summary>
        public virtual void SetExpectedTag(byte[] tag) => throw new InvalidOperationException("Only authenticated encryption has a tag.");

        /// <summary>AEAD: associated data (AuthEnvelopedData's authAttrs), which in CMS arrives after the content.</summary>
        public virtual void AddAssociatedData(byte[] data) => throw new InvalidOperationException("Only authenticated encryption has associated data.");

        public virtual void Dispose()
        {
        }

        private static ContentCipher BlockCipher(IBlockCipher engine, ICipherParameters key, byte[] iv, bool forEncryption)
        {
            var cipher = new PaddedBufferedBlockCipher(new CbcBlockCipher(engine), new Pkcs7Padding());
            cipher.Init(forEncryption, new ParametersWithIV(key, iv));
            return new BufferedCipher(cipher);
        }

        /// <summary>AES-CBC through .NET; partial blocks wait for the next call.</summary>
        private sealed class DotNetCbcCipher : ContentCipher
        {
            private const int BlockSize = 16;
            private readonly Aes _aes;
            private readonly ICryptoTransform _transform;
            private readonly byte[] _pending = new byte[BlockSize];
            private int _pendingCount;

            public DotNetCbcCipher(byte[] key, byte[] iv, bool forEncryption)
            {
                _aes = Aes.Create();
                _aes.Mode = CipherMode.CBC;
                _aes.Padding = PaddingMode.PKCS7;
                _transform = forEncryption ? _aes.CreateEncryptor(key, iv) : _aes.CreateDecryptor(key, iv);
            }

            public override int Update(byte[] input, int offset, int count, byte[] output)
            {
                int written = 0;
                if (_pendingCount > 0)
                {
                    int take = Math.Min(BlockSize - _pendingCount, count);
                    Buffer.BlockCopy(input, offset, _pending, _pendingCount, take);
                    _pendingCount += take;
                    offset += take;
                    count -= take;
                    if (_pendingCount < BlockSize)
                    {
                        return 0;
                    }

                    written = _transform.TransformBlock(_pending, 0, BlockSize, output, 0);
                    _pendingCount = 0;
                }

                int whole = count - (count % BlockSize);
                if (whole > 0)
                {
                    written += _transform.TransformBlock(input, offset, whole, output, written);
                }

                int rest = count - whole;
                if (rest > 0)
                {
                    Buffer.BlockCopy(input, offset + whole, _pending, 0, rest);
                    _pendingCount = rest;
                }

                return written;
            }

            public override int Finish(byte[] output)
            {
                byte[] last = _transform.TransformFinalBlock(_pending, 0, _pendingCount);
                _pendingCount = 0;
                Buffer.BlockCopy(last, 0, output, 0, last.Length);
                return last.Length;
            }

            public override void Dispose()
            {
                _transform.Dispose();
                _aes.Dispose();
            }
        }

        /// <summary>A BouncyCastle block cipher in CBC mode with PKCS#7 padding.</summary>
        private sealed class BufferedCipher : ContentCipher
        {
            private readonly IBufferedCipher _cipher;

            public BufferedCipher(IBufferedCipher cipher) => _cipher = cipher;

            public override int Update(byte[] input, int offset, int count, byte[] output) =>
                _cipher.ProcessBytes(input, offset, count, output, 0);

            public override int Finish(byte[] output)
            {
                try
                {
                    return _cipher.DoFinal(output, 0);
                }
                catch (Exception e) when (e is InvalidCipherTextException or DataLengthException)
                {
                    throw new CryptographicException("The padding of the decrypted content is invalid.", e);
                }
            }
        }

        /// <summary>GCM or ChaCha20-Poly1305; CMS carries the tag apart from the ciphertext.</summary>
        private sealed class AeadCipher : ContentCipher
        {
            private readonly IAeadCipher _cipher;
            private readonly int _tagLength;
            private readonly bool _forEncryption;
            private readonly bool _lateAadAllowed;
            private byte[]? _tag;
            private bool _started;

            public AeadCipher(IAeadCipher cipher, int tagLength, bool forEncryption, bool lateAadAllowed)
            {
                _cipher = cipher;
                _tagLength = tagLength;
                _forEncryption = forEncryption;
                _lateAadAllowed = lateAadAllowed;
            }

            public override byte[] Tag => _forEncryption && _tag != null ? _tag : throw new InvalidOperationException("The tag is known after Finish.");

            public override int Update(byte[] input, int offset, int count, byte[] output)
            {
                _started |= count > 0;
                return _cipher.ProcessBytes(input, offset, count, output, 0);
            }

            public override void SetExpectedTag(byte[] tag)
            {
                if (_forEncryption)
                {
                    throw new InvalidOperationException("An encryptor makes its tag.");
                }

                _tag = tag;
            }

            public override void AddAssociatedData(byte[] data)
            {
                if (_started && !_lateAadAllowed)
                {
                    throw EnvelopedErrors.UnsupportedAlgorithm(
                        "it is ChaCha20-Poly1305 content with authenticated attributes, which this module cannot check while streaming");
                }

                _cipher.ProcessAadBytes(data, 0, data.Length);
            }

            public override int Finish(byte[] output)
            {
                if (_forEncryption)
                {
                    // BouncyCastle appends the tag to the ciphertext; CMS wants it in the mac field instead.
                    int total = _cipher.DoFinal(output, 0);
                    _tag = _cipher.GetMac();
                    return total - _tag.Length;
                }

                if (_tag == null)
                {
                    throw new InvalidOperationException("The expected tag must be set before Finish.");
                }

                if (_tag.Length != _tagLength)
                {
                    throw new CryptographicException($"The message's authentication tag is {_tag.Length} bytes, not {_tagLength}.");
                }

                try
                {
                    int written = _cipher.ProcessBytes(_tag, 0, _tag.Length, output, 0);
                    return written + _cipher.DoFinal(output, written);
                }
                catch (InvalidCipherTextException e)
                {
                    throw new CryptographicException("The authentication tag does not match the content.", e);
                }
            }
        }
    }
}
