using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// A PKCS#12 password in the two encodings the format uses: BMPString with a closing NUL for the RFC 7292
    /// key derivation (MAC, pbeWithSHAAnd... schemes) and UTF-8 for PBES2, as OpenSSL and .NET do.
    /// </summary>
    internal sealed class Pkcs12Password : IDisposable
    {
        private readonly char[] _chars;

        public Pkcs12Password(char[] chars, bool emptyAsTwoZeroBytes = false)
        {
            _chars = chars;
            EmptyAsTwoZeroBytes = emptyAsTwoZeroBytes;
        }

        /// <summary>
        /// For the empty password, RFC 7292 derives from no bytes at all, but OpenSSL and others derive from the
        /// closing NUL alone (two zero bytes); readers try both.
        /// </summary>
        public bool EmptyAsTwoZeroBytes { get; }

        public bool IsEmpty => _chars.Length == 0;

        public char[] Chars => _chars;

        public static Pkcs12Password From(SecureString? secret)
        {
            if (secret == null || secret.Length == 0)
            {
                return new Pkcs12Password(Array.Empty<char>());
            }

            var pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
            try
            {
                var chars = new char[secret.Length];
                Marshal.Copy(pointer, chars, 0, chars.Length);
                return new Pkcs12Password(chars);
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }

        /// <summary>The same password with the other reading of the empty password; it shares the characters, so dispose only the original.</summary>
        public Pkcs12Password WithEmptyAsTwoZeroBytes(bool value) => new(_chars, value);

        /// <summary>BMPString (UTF-16BE) with a closing NUL, for the RFC 7292 Appendix B derivation.</summary>
        public byte[] Pkcs12Bytes()
        {
            if (_chars.Length == 0)
            {
                return new byte[EmptyAsTwoZeroBytes ? 2 : 0];
            }

            var bytes = new byte[(_chars.Length + 1) * 2];
            for (int i = 0; i < _chars.Length; i++)
            {
                bytes[i * 2] = (byte)(_chars[i] >> 8);
                bytes[(i * 2) + 1] = (byte)_chars[i];
            }

            return bytes;
        }

        /// <summary>UTF-8 bytes, for PBKDF2 (PBES2 and PBMAC1).</summary>
        public byte[] Utf8Bytes() => Encoding.UTF8.GetBytes(_chars);

        public void Dispose() => Array.Clear(_chars);
    }
}
