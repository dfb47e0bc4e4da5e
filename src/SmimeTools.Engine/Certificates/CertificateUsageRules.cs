using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Whether a certificate fits a use in mail (the key usage and extended key usage rules of RFC 8550 §4.4.2 and
    /// RFC 8551 §2.5), and in plain words why not. A CA certificate (basicConstraints cA) is a person's only when it is
    /// self-signed, carries an e-mail address and its key usage does not allow keyCertSign: what
    /// <c>openssl req -x509</c> makes with OpenSSL's default configuration. In a bundle, such a certificate is still the
    /// chain's when it issued another certificate of the bundle (<see cref="MailCertificatesAmong"/>).
    /// </summary>
    public static class CertificateUsageRules
    {
        private const string EmailProtection = "1.3.6.1.5.5.7.3.4";
        private const string AnyExtendedKeyUsage = "2.5.29.37.0";

        private static readonly Dictionary<string, string> PurposeNames = new(StringComparer.Ordinal)
        {
            ["1.3.6.1.5.5.7.3.1"] = "serverAuth",
            ["1.3.6.1.5.5.7.3.2"] = "clientAuth",
            ["1.3.6.1.5.5.7.3.3"] = "codeSigning",
            [EmailProtection] = "emailProtection",
            ["1.3.6.1.5.5.7.3.8"] = "timeStamping",
            ["1.3.6.1.5.5.7.3.9"] = "OCSPSigning",
            [AnyExtendedKeyUsage] = "anyExtendedKeyUsage",
        };

        public static bool Fits(X509Certificate2 certificate, CertificateUsage usage) => Explain(certificate, usage) == null;

        /// <summary>True for a certificate that may be a person's: no CA certificate, or a self-signed one of an address (see the class).</summary>
        public static bool IsMailCertificate(X509Certificate2 certificate) => AuthorityProblem(certificate) == null;

        /// <summary>
        /// The people's certificates of a bundle (a certificate file, a PKCS#7, what -To got), without its chain: every
        /// <see cref="IsMailCertificate"/> one except a CA certificate that issued another certificate of the bundle.
        /// </summary>
        public static IReadOnlyList<X509Certificate2> MailCertificatesAmong(IEnumerable<X509Certificate2> bundle)
        {
            ArgumentNullException.ThrowIfNull(bundle);
            var all = bundle.ToList();
            return all.Where(c => IsMailCertificate(c)
                && !(ChainCollector.IsCertificateAuthority(c) && all.Any(other => other.Thumbprint != c.Thumbprint && ChainCollector.IsIssuerOf(c, other))))
                .ToList();
        }

        /// <summary>Null when the certificate fits the use; otherwise why not, as a phrase ("its key usage ... "). The one place the rules are decided.</summary>
        public static string? Explain(X509Certificate2 certificate, CertificateUsage usage)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            var authority = AuthorityProblem(certificate);
            if (authority != null)
            {
                return authority;
            }

            var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
            if (eku != null)
            {
                // No extended key usage allows every use; one that is there must name e-mail protection (or any).
                var purposes = eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value ?? string.Empty).ToList();
                if (!purposes.Contains(EmailProtection) && !purposes.Contains(AnyExtendedKeyUsage))
                {
                    var names = purposes.Count == 0 ? "none" : string.Join(", ", purposes.Select(p => PurposeNames.TryGetValue(p, out var n) ? n : p));
                    return $"its extended key usage ({names}) does not include emailProtection";
                }
            }

            var algorithm = certificate.PublicKey.Oid.Value;
            var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages;
            var usages = keyUsage == null ? "none" : keyUsage.Value.ToString();
            bool Allows(X509KeyUsageFlags anyOf) => keyUsage == null || (keyUsage.Value & anyOf) != 0;
            if (usage == CertificateUsage.Signing)
            {
                if (algorithm is AlgorithmOids.X25519 or AlgorithmOids.X448)
                {
                    return "its X25519/X448 key can only agree keys, not sign";
                }

                return Allows(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)
                    ? null
                    : $"its key usage ({usages}) allows neither digitalSignature nor nonRepudiation";
            }

            return algorithm switch
            {
                AlgorithmOids.Rsa or AlgorithmOids.RsaOaep => Allows(X509KeyUsageFlags.KeyEncipherment) ? null : $"its key usage ({usages}) does not allow keyEncipherment",
                AlgorithmOids.EcPublicKey or AlgorithmOids.X25519 or AlgorithmOids.X448 =>
                    Allows(X509KeyUsageFlags.KeyAgreement) ? null : $"its key usage ({usages}) does not allow keyAgreement",
                AlgorithmOids.Ed25519 or AlgorithmOids.Ed448 => "its Ed25519/Ed448 key can only sign; mail cannot be encrypted to it",
                _ => $"its key algorithm ({certificate.PublicKey.Oid.FriendlyName ?? algorithm}) is not one mail can be encrypted to",
            };
        }

        /// <summary>Null when the certificate may be a person's; otherwise why it is a CA's.</summary>
        private static string? AuthorityProblem(X509Certificate2 certificate)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            if (!ChainCollector.IsCertificateAuthority(certificate))
            {
                return null;
            }

            var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages;
            if (keyUsage is { } usages && (usages & X509KeyUsageFlags.KeyCertSign) != 0)
            {
                return "it is a CA certificate: its key usage allows keyCertSign";
            }

            if (CertificateFacts.GetEmails(certificate).Length == 0)
            {
                return "it is a CA certificate (basicConstraints cA) and carries no e-mail address";
            }

            // Checked last: it verifies a signature, and most CA certificates are told apart above.
            return ChainCollector.IsSelfSigned(certificate)
                ? null
                : "it is a CA certificate (basicConstraints cA) issued by another CA";
        }
    }
}
