using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>Turns a PIN held as a SecureString into the UTF-8 bytes C_Login takes, for as short a time as possible.</summary>
    internal static class TokenPin
    {
        /// <summary>The PIN as UTF-8; the caller clears the array when done.</summary>
        public static byte[] ToUtf8(SecureString pin)
        {
            var pointer = Marshal.SecureStringToGlobalAllocUnicode(pin);
            var chars = new char[pin.Length];
            try
            {
                Marshal.Copy(pointer, chars, 0, chars.Length);
                return Encoding.UTF8.GetBytes(chars);
            }
            finally
            {
                Array.Clear(chars);
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }

        public static SecureString FromText(string text)
        {
            var pin = new SecureString();
            foreach (var c in text)
            {
                pin.AppendChar(c);
            }

            pin.MakeReadOnly();
            return pin;
        }
    }
}
