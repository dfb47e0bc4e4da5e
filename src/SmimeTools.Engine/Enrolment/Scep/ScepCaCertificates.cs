using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>
    /// The certificates GetCACert returned (RFC 8894 §4.2): the CA's alone, or the CA's with one or two RA certificates.
    /// Requests are encrypted to <see cref="EncryptionCertificate"/> and replies must be signed by
    /// <see cref="SigningCertificate"/>: the RA's when there is one (the one whose keyUsage allows key encipherment,
    /// respectively digital signatures, when there are two), else the CA's.
    /// </summary>
    public sealed class ScepCaCertificates
    {
        public ScepCaCertificates(IReadOnlyList<X509Certificate2> certificates)
        {
            ArgumentNullException.ThrowIfNull(certificates);
            if (certificates.Count == 0)
            {
                throw new ArgumentException("GetCACert returned no certificate.", nameof(certificates));
            }

            Certificates = certificates;
            var authorities = certificates.Where(IsAuthority).ToList();
            var others = certificates.Where(c => !IsAuthority(c)).ToList();

            // The CA is the authority that issued the others (an RA); with no RA, the one authority (or the first).
            CaCertificate = authorities.FirstOrDefault(a => others.Any(o => o.IssuerName.RawData.AsSpan().SequenceEqual(a.SubjectName.RawData)))
                ?? authorities.FirstOrDefault() ?? certificates[0];
            var issuedByCa = others.Where(o => o.IssuerName.RawData.AsSpan().SequenceEqual(CaCertificate.SubjectName.RawData)).ToList();
            var registration = issuedByCa.Count > 0 ? issuedByCa : others;
            EncryptionCertificate = registration.FirstOrDefault(c => Allows(c, X509KeyUsageFlags.KeyEncipherment)) ?? registration.FirstOrDefault() ?? CaCertificate;
            SigningCertificate = registration.FirstOrDefault(c => Allows(c, X509KeyUsageFlags.DigitalSignature)) ?? registration.FirstOrDefault() ?? CaCertificate;
        }

        /// <summary>Every certificate returned.</summary>
        public IReadOnlyList<X509Certificate2> Certificates { get; }

        /// <summary>The certificate of the CA that issues.</summary>
        public X509Certificate2 CaCertificate { get; }

        /// <summary>The certificate requests are encrypted to: the RA's, or the CA's without an RA.</summary>
        public X509Certificate2 EncryptionCertificate { get; }

        /// <summary>The certificate the CA's replies are signed with: the RA's, or the CA's without an RA.</summary>
        public X509Certificate2 SigningCertificate { get; }

        /// <summary>True when an RA stands in front of the CA.</summary>
        public bool HasRegistrationAuthority => !ReferenceEquals(EncryptionCertificate, CaCertificate) || !ReferenceEquals(SigningCertificate, CaCertificate);

        private static bool IsAuthority(X509Certificate2 certificate) =>
            certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault()?.CertificateAuthority ?? false;

        private static bool Allows(X509Certificate2 certificate, X509KeyUsageFlags usage)
        {
            var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
            return keyUsage == null || (keyUsage.KeyUsages & usage) != 0;
        }
    }
}
