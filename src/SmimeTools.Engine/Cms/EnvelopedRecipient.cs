using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// One recipient an encrypted message was made for, as its RecipientInfo names it: by issuer and serial number,
    /// by subject key identifier, or (for shared-key and password recipients) by what those carry.
    /// A KeyAgreeRecipientInfo for several certificates gives one entry per certificate.
    /// </summary>
    public sealed record EnvelopedRecipient
    {
        public RecipientKind Kind { get; init; }

        /// <summary>The issuer of the recipient's certificate, formatted as <c>X509Certificate2.Issuer</c> is; null when named otherwise.</summary>
        public string? Issuer { get; init; }

        /// <summary>The certificate's serial number in hexadecimal, upper case, as <c>X509Certificate2.SerialNumber</c> shows it.</summary>
        public string? SerialNumber { get; init; }

        /// <summary>The subject key identifier, hexadecimal upper case, when the recipient is named by it.</summary>
        public string? SubjectKeyIdentifier { get; init; }

        /// <summary>For <see cref="RecipientKind.Kek"/>: the key identifier of the shared key, hexadecimal.</summary>
        public string? KeyIdentifier { get; init; }

        /// <summary>How the content-encryption key reaches this recipient, e.g. "RSA-OAEP", "ECDH (X9.63 KDF, SHA-256)".</summary>
        public string KeyEncryptionAlgorithm { get; init; } = string.Empty;

        public string KeyEncryptionAlgorithmOid { get; init; } = string.Empty;

        /// <summary>For key agreement and KEK recipients: the key wrap, e.g. "AES-256 key wrap".</summary>
        public string? KeyWrapAlgorithm { get; init; }

        public string? KeyWrapAlgorithmOid { get; init; }

        /// <summary>True when this recipient is <paramref name="certificate"/>: by issuer and serial number, or by subject key identifier.</summary>
        public bool Names(X509Certificate2 certificate)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            if (SerialNumber != null)
            {
                return string.Equals(certificate.SerialNumber, SerialNumber, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(certificate.Issuer, Issuer, StringComparison.Ordinal);
            }

            var keyIdentifier = SubjectKeyIdentifier ?? KeyIdentifier;
            return keyIdentifier != null && certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any(x =>
                string.Equals(x.SubjectKeyIdentifier, keyIdentifier, StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>Who the recipient is, in one line: "issuer 'CN=…', serial 1A2B (RSA PKCS#1 v1.5)".</summary>
        public override string ToString()
        {
            var text = new StringBuilder();
            if (Issuer != null)
            {
                text.Append("issuer '").Append(Issuer).Append("', serial ").Append(SerialNumber);
            }
            else if (SubjectKeyIdentifier != null)
            {
                text.Append("subject key identifier ").Append(SubjectKeyIdentifier);
            }
            else if (Kind == RecipientKind.Kek)
            {
                text.Append("shared key ").Append(KeyIdentifier);
            }
            else if (Kind == RecipientKind.Password)
            {
                text.Append("password");
            }
            else
            {
                text.Append("a recipient of an unknown kind");
            }

            if (KeyEncryptionAlgorithm.Length > 0)
            {
                text.Append(" (").Append(KeyEncryptionAlgorithm);
                if (KeyWrapAlgorithm != null)
                {
                    text.Append(", ").Append(KeyWrapAlgorithm);
                }

                text.Append(')');
            }

            return text.ToString();
        }
    }
}
