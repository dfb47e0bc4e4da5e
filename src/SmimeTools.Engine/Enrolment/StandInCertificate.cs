using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// A certificate that carries a new key's public half until the real one is issued: what <see cref="Keys.ISigningKey"/>
    /// and certificate stores need to hold a key (Windows keeps pending keys the same way, in the REQUEST store). It is
    /// signed by a throw-away key, so nothing could mistake it for a certificate anyone issued.
    /// </summary>
    public static class StandInCertificate
    {
        /// <summary>The store, beside My, where store keys wait for their certificates.</summary>
        public const string RequestStoreName = "REQUEST";

        public static X509Certificate2 Create(X500DistinguishedName subject, byte[] subjectPublicKeyInfo)
        {
            ArgumentNullException.ThrowIfNull(subject);
            ArgumentNullException.ThrowIfNull(subjectPublicKeyInfo);
            var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
            var request = new CertificateRequest(subject, publicKey, HashAlgorithmName.SHA256);
            using var throwAway = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var now = DateTimeOffset.UtcNow;
            return request.Create(new X500DistinguishedName("CN=SmimeTools pending certificate request"), X509SignatureGenerator.CreateForECDsa(throwAway),
                now.AddMinutes(-5), now.AddYears(2), RandomNumberGenerator.GetBytes(16));
        }
    }
}
