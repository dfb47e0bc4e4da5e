using System;
using System.Globalization;

namespace SmimeTools.Engine.Trust
{
    /// <summary>How times read in the sentences of the Trust layer: UTC, to the minute, whatever the culture.</summary>
    internal static class TrustText
    {
        public static string When(DateTimeOffset time) =>
            time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

        public static string When(DateTimeOffset? time) => time.HasValue ? When(time.Value) : "an unknown date";

        public static string When(DateTime time) => When(new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)));
    }
}
