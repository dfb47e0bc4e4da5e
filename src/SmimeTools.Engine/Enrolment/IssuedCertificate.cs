using System;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>A certificate the local CA made, and whether its validity had to be cut back to the issuer's.</summary>
    public sealed class IssuedCertificate
    {
        internal IssuedCertificate(X509Certificate2 certificate, DateTimeOffset requestedNotAfter, bool clipped)
        {
            Certificate = certificate;
            RequestedNotAfter = requestedNotAfter;
            ValidityClipped = clipped;
        }

        /// <summary>The certificate; it holds a private key only when the CA generated the key.</summary>
        public X509Certificate2 Certificate { get; }

        public DateTimeOffset RequestedNotAfter { get; }

        /// <summary>True when the end asked for lay beyond the issuer's own, so the certificate ends with the issuer.</summary>
        public bool ValidityClipped { get; }
    }
}
