using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// The refusals made before anything is written: expired or unsuitable certificates, small keys and weak
    /// algorithms, each naming the certificate and the way out.
    /// </summary>
    internal static class ProtectionChecks
    {
        private const string WeakHatch = "If you must, allow it knowingly with -AllowWeakAlgorithm.";

        public static void Check(ProtectOptions options, DateTimeOffset now)
        {
            if (options.SigningKey == null && options.Recipients.Count == 0)
            {
                throw new SmimeException(ErrorIds.NothingToDo, SmimeErrorKind.InvalidArgument,
                    "Nothing to do: no certificate to sign with and no recipient to encrypt to.",
                    "Give a signing certificate (-SignWith), recipients (-To), or both.");
            }

            if (options.SigningKey != null)
            {
                CheckSigner(options.SigningKey.Certificate, options, now);
            }

            foreach (var recipient in options.Recipients)
            {
                CheckRecipient(recipient, options, now);
            }

            if (options.Recipients.Count > 0 && AlgorithmPolicy.IsWeak(options.ContentEncryption) && !options.AllowWeakAlgorithm)
            {
                throw new SmimeException(ErrorIds.WeakAlgorithm, SmimeErrorKind.SecurityError,
                    $"{options.ContentEncryption} is a weak content-encryption algorithm and is not used for new messages.",
                    "Use AES (the default is AES-256-CBC; AES-256-GCM where the recipients support it). " + WeakHatch);
            }
        }

        private static void CheckSigner(X509Certificate2 certificate, ProtectOptions options, DateTimeOffset now)
        {
            CheckValidity(certificate, "sign", now);
            if (!CertificateFacts.CanSign(certificate))
            {
                throw new SmimeException(ErrorIds.KeyUsageNotPermitted, SmimeErrorKind.SecurityError,
                    $"The certificate of {Describe(certificate)} may not sign e-mail: its key usage lacks digitalSignature, its extended key usage lacks emailProtection, or its key cannot sign.",
                    "Sign with a certificate issued for e-mail signing.", certificate);
            }

            if (options.Digest == DigestAlgorithm.Sha224)
            {
                // Refused here, before the output is opened, rather than when the content is hashed.
                throw new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidArgument,
                    "SHA-224 is not used for new signatures.", "Use SHA-256 (the default), SHA-384 or SHA-512.", certificate);
            }

            if (AlgorithmPolicy.IsWeak(options.Digest) && !options.AllowWeakAlgorithm)
            {
                throw new SmimeException(ErrorIds.WeakAlgorithm, SmimeErrorKind.SecurityError,
                    $"{options.Digest} is a weak digest algorithm and is not used for new signatures.",
                    "Use SHA-256 (the default), SHA-384 or SHA-512. " + WeakHatch);
            }

            CheckKeySize(certificate, "signing", options);
        }

        private static void CheckRecipient(X509Certificate2 certificate, ProtectOptions options, DateTimeOffset now)
        {
            CheckValidity(certificate, "encrypt to", now);
            if (!CertificateFacts.CanEncrypt(certificate))
            {
                var algorithm = KeyAlgorithms.Of(certificate);
                var need = algorithm == KeyAlgorithmKind.Rsa ? "keyEncipherment" : "keyAgreement";
                throw new SmimeException(ErrorIds.KeyUsageNotPermitted, SmimeErrorKind.SecurityError,
                    $"The certificate of {Describe(certificate)} may not be used to encrypt e-mail: its key usage lacks {need}, its extended key usage lacks emailProtection, or its {algorithm} key cannot receive.",
                    "Ask the recipient for their encryption certificate.", certificate);
            }

            CheckKeySize(certificate, "encryption", options);
        }

        private static void CheckValidity(X509Certificate2 certificate, string verb, DateTimeOffset now)
        {
            if (now.UtcDateTime > certificate.NotAfter.ToUniversalTime())
            {
                throw new SmimeException(ErrorIds.CertificateExpired, SmimeErrorKind.SecurityError,
                    $"The certificate of {Describe(certificate)} expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; it cannot be used to {verb}.",
                    "Use the current certificate (renewed certificates sit beside the old ones in stores and directories).", certificate);
            }

            if (now.UtcDateTime < certificate.NotBefore.ToUniversalTime())
            {
                throw new SmimeException(ErrorIds.CertificateNotYetValid, SmimeErrorKind.SecurityError,
                    $"The certificate of {Describe(certificate)} is not valid until {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; it cannot be used to {verb} yet.",
                    "Check the system clock, or use a certificate that is valid now.", certificate);
            }
        }

        private static void CheckKeySize(X509Certificate2 certificate, string use, ProtectOptions options)
        {
            if (KeyAlgorithms.Of(certificate) != KeyAlgorithmKind.Rsa || options.AllowWeakAlgorithm)
            {
                return;
            }

            var size = KeyAlgorithms.SizeOf(certificate);
            if (size < AlgorithmPolicy.MinimumRsaKeySize)
            {
                throw new SmimeException(ErrorIds.WeakKey, SmimeErrorKind.SecurityError,
                    $"The certificate of {Describe(certificate)} has a {size}-bit RSA key; keys under {AlgorithmPolicy.MinimumRsaKeySize} bits are refused for {use}.",
                    "Ask for a certificate with a key of 2048 bits or more. " + WeakHatch, certificate);
            }
        }

        /// <summary>"alice@example.com (thumbprint 12AB...)" or the subject when the certificate has no address.</summary>
        public static string Describe(X509Certificate2 certificate)
        {
            var email = CertificateFacts.GetEmails(certificate).FirstOrDefault();
            return $"{email ?? certificate.Subject} (thumbprint {certificate.Thumbprint})";
        }
    }
}
