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

        /// <summary>What to do when revocation could not be established, naming Test-SmimeSignature's parameters for each way out.</summary>
        public static string RevocationAdvice(RevocationMode mode) => mode == RevocationMode.Online
            ? "Give the issuer's current CRL with -Crl, or accept not knowing with -Revocation None (the result then says revocation was not checked)."
            : "Give the issuer's current CRL with -Crl, let the check fetch CRLs and ask OCSP responders with -Revocation Online, "
                + "or accept not knowing with -Revocation None (the result then says revocation was not checked).";
    }
}
