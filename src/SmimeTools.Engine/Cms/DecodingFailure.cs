using System;
using System.IO;
using Org.BouncyCastle.Security;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// The exceptions BouncyCastle's ASN.1 classes (GetInstance, tagged-object access, integer conversions) raise for
    /// damaged input: each reader turns them into a MalformedMessage rather than letting them escape as unexpected.
    /// </summary>
    internal static class DecodingFailure
    {
        public static bool Is(Exception e) =>
            e is ArgumentException or FormatException or InvalidCastException or InvalidOperationException or IOException
                or ArithmeticException or IndexOutOfRangeException or SecurityUtilityException;
    }
}
