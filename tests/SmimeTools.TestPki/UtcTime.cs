using System;

namespace SmimeTools.TestPki
{
    /// <summary>Normalises DateTime values to UTC whatever their Kind (BouncyCastle hands back UTC instants).</summary>
    internal static class UtcTime
    {
        public static DateTime Normalize(DateTime value) => value.Kind switch
        {
            DateTimeKind.Utc => value,
            DateTimeKind.Local => value.ToUniversalTime(),
            _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        };
    }
}
