using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Finds the certificates a signature should carry: the signer and the intermediates up to, but not including,
    /// a self-signed root. Only issuer links are followed here; trust is decided by whoever verifies.
    /// </summary>
    public static class ChainCollector
    {
        // The chain certificates read with an identity; they must outlive the entry, as the identity's object travels through the pipeline alone.
        private static readonly ConditionalWeakTable<X509Certificate2, X509Certificate2[]> CompanionTable = new();

        public static IReadOnlyList<X509Certificate2> SignerAndIntermediates(X509Certificate2 signer, IEnumerable<X509Certificate2> candidates)
        {
            ArgumentNullException.ThrowIfNull(signer);
            var pool = candidates.Where(c => c.Thumbprint != signer.Thumbprint).ToList();
            var result = new List<X509Certificate2> { signer };
            var current = signer;
            while (result.Count < 10)
            {
                var issuer = pool.FirstOrDefault(c => IsIssuerOf(c, current));
                if (issuer == null || IsSelfSigned(issuer))
                {
                    break;
                }

                result.Add(issuer);
                pool.Remove(issuer);
                current = issuer;
            }

            return result;
        }

        public static bool IsSelfSigned(X509Certificate2 certificate) =>
            certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) && IsIssuerOf(certificate, certificate);

        /// <summary>True for CA certificates (basicConstraints cA).</summary>
        public static bool IsCertificateAuthority(X509Certificate2 certificate) =>
            certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);

        /// <summary>True when <paramref name="issuer"/> names and signed <paramref name="subject"/>.</summary>
        public static bool IsIssuerOf(X509Certificate2 issuer, X509Certificate2 subject)
        {
            ArgumentNullException.ThrowIfNull(issuer);
            ArgumentNullException.ThrowIfNull(subject);
            if (!subject.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
            {
                return false;
            }

            try
            {
                var bcSubject = new Org.BouncyCastle.X509.X509Certificate(subject.RawData);
                if (issuer.PublicKey.Oid.Value == AlgorithmOids.Rsa
                    && RsaSignatures.TryVerify(issuer.PublicKey.ExportSubjectPublicKeyInfo(), bcSubject.SignatureAlgorithm, bcSubject.GetTbsCertificate(), bcSubject.GetSignature(), out bool valid))
                {
                    return valid && RsaSignatures.SameAlgorithm(bcSubject.SignatureAlgorithm, bcSubject.TbsCertificate.Signature);
                }

                var bcIssuer = new Org.BouncyCastle.X509.X509Certificate(issuer.RawData);
                return bcSubject.IsSignatureValid(bcIssuer.GetPublicKey());
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or CryptographicException or Org.BouncyCastle.Security.InvalidKeyException
                or Org.BouncyCastle.Security.SignatureException or Org.BouncyCastle.Security.SecurityUtilityException
                or Org.BouncyCastle.Security.Certificates.CertificateException)
            {
                return false;
            }
        }

        /// <summary>Certificates read from the same file as this one (its PKCS#12 chain, for example).</summary>
        public static IReadOnlyList<X509Certificate2> Companions(X509Certificate2 certificate) =>
            CompanionTable.TryGetValue(certificate, out var companions) ? companions : Array.Empty<X509Certificate2>();

        /// <summary>Remembers the other certificates of the file or token an identity was read from, for building its chain.</summary>
        internal static void RememberCompanions(X509Certificate2 certificate, X509Certificate2[] companions) =>
            CompanionTable.AddOrUpdate(certificate, companions);
    }
}
