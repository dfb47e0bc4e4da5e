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
    /// RFC 8551 §2.5, as <see cref="CertificateFacts"/> applies them), and in plain words why not.
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

        public static bool Fits(X509Certificate2 certificate, CertificateUsage usage) => usage switch
        {
            CertificateUsage.Signing => CertificateFacts.CanSign(certificate),
            CertificateUsage.Encryption => CertificateFacts.CanEncrypt(certificate),
            _ => false,
        };

        /// <summary>Null when the certificate fits the use; otherwise why not, as a phrase ("its key usage ... ").</summary>
        public static string? Explain(X509Certificate2 certificate, CertificateUsage usage)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            if (Fits(certificate, usage))
            {
                return null;
            }

            var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
            if (eku != null)
            {
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
            if (usage == CertificateUsage.Signing)
            {
                if (algorithm is AlgorithmOids.X25519 or AlgorithmOids.X448)
                {
                    return "its X25519/X448 key can only agree keys, not sign";
                }

                return $"its key usage ({usages}) allows neither digitalSignature nor nonRepudiation";
            }

            return algorithm switch
            {
                AlgorithmOids.Rsa or AlgorithmOids.RsaOaep => $"its key usage ({usages}) does not allow keyEncipherment",
                AlgorithmOids.EcPublicKey or AlgorithmOids.X25519 or AlgorithmOids.X448 => $"its key usage ({usages}) does not allow keyAgreement",
                AlgorithmOids.Ed25519 or AlgorithmOids.Ed448 => "its Ed25519/Ed448 key can only sign; mail cannot be encrypted to it",
                _ => $"its key algorithm ({certificate.PublicKey.Oid.FriendlyName ?? algorithm}) is not one mail can be encrypted to",
            };
        }
    }
}
