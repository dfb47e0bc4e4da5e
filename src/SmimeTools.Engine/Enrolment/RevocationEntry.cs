using System;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>One certificate to list on a CRL: its serial number (big-endian bytes), when and why it was revoked.</summary>
    public sealed class RevocationEntry
    {
        public RevocationEntry(byte[] serialNumber, DateTimeOffset? revocationTime = null, X509RevocationReason? reason = null)
        {
            SerialNumber = serialNumber ?? throw new ArgumentNullException(nameof(serialNumber));
            RevocationTime = revocationTime;
            Reason = reason;
        }

        /// <summary>The entry for a certificate, by its serial number.</summary>
        public static RevocationEntry Of(X509Certificate2 certificate, DateTimeOffset? revocationTime = null, X509RevocationReason? reason = null)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            return new RevocationEntry(certificate.SerialNumberBytes.ToArray(), revocationTime, reason);
        }

        public byte[] SerialNumber { get; }

        public DateTimeOffset? RevocationTime { get; }

        public X509RevocationReason? Reason { get; }
    }
}
