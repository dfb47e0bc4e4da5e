using System;
using System.Numerics;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>A CRL the local CA signed and wrote: where, by whom, its number, its dates and how many it lists.</summary>
    public sealed class RevocationListRecord
    {
        public RevocationListRecord(string path, string issuer, BigInteger crlNumber, DateTime thisUpdate, DateTime nextUpdate, int revokedCount)
        {
            Path = path;
            Issuer = issuer;
            CrlNumber = crlNumber;
            ThisUpdate = thisUpdate;
            NextUpdate = nextUpdate;
            RevokedCount = revokedCount;
        }

        public string Path { get; }

        public string Issuer { get; }

        public BigInteger CrlNumber { get; }

        public DateTime ThisUpdate { get; }

        public DateTime NextUpdate { get; }

        /// <summary>How many certificates the CRL lists, carried-over entries included.</summary>
        public int RevokedCount { get; }

        public override string ToString() => $"{Path} (CRL {CrlNumber} of {Issuer}, {RevokedCount} revoked)";
    }
}
