using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>What a certificate says about e-mail use: its addresses, and whether it may sign or encrypt as the usage rules decide.</summary>
    public static class CertificateFacts
    {
        private const string SmtpUtf8MailboxOid = "1.3.6.1.5.5.7.8.9";

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, string[]> Emails = new();

        /// <summary>
        /// Every e-mail address in the certificate: SAN rfc822Name, SAN SmtpUTF8Mailbox and the legacy E= subject attribute,
        /// in that order, without case-insensitive duplicates.
        /// </summary>
        public static string[] GetEmails(X509Certificate2 certificate)
        {
            ArgumentNullException.ThrowIfNull(certificate);

            // Read once per certificate object: signers and recipients are named in every message of a pipeline.
            return (string[])Emails.GetValue(certificate, ReadEmails).Clone();
        }

        private static string[] ReadEmails(X509Certificate2 certificate)
        {
            var cert = Parse(certificate);
            var found = new List<string>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            void Add(string? address)
            {
                if (!string.IsNullOrWhiteSpace(address) && seen.Add(address.Trim()))
                {
                    found.Add(address.Trim());
                }
            }

            var san = cert.TbsCertificate.Extensions?.GetExtension(X509Extensions.SubjectAlternativeName);
            if (san != null)
            {
                foreach (var name in GeneralNames.GetInstance(san.GetParsedValue()).GetNames())
                {
                    if (name.TagNo == GeneralName.Rfc822Name)
                    {
                        Add(DerIA5String.GetInstance(name.Name).GetString());
                    }
                    else if (name.TagNo == GeneralName.OtherName)
                    {
                        var other = Asn1Sequence.GetInstance(name.Name);
                        if (other.Count == 2 && DerObjectIdentifier.GetInstance(other[0]).Id == SmtpUtf8MailboxOid)
                        {
                            var value = Asn1TaggedObject.GetInstance(other[1]).GetExplicitBaseObject();
                            Add(DerUtf8String.GetInstance(value).GetString());
                        }
                    }
                }
            }

            foreach (var value in cert.Subject.GetValueList(PkcsObjectIdentifiers.Pkcs9AtEmailAddress))
            {
                Add(value);
            }

            return found.ToArray();
        }

        /// <summary>True when the key usage, extended key usage and key algorithm allow signing e-mail (<see cref="CertificateUsageRules"/>).</summary>
        public static bool CanSign(X509Certificate2 certificate) => CertificateUsageRules.Explain(certificate, CertificateUsage.Signing) == null;

        /// <summary>True when the key usage, extended key usage and key algorithm allow encrypting e-mail to the certificate.</summary>
        public static bool CanEncrypt(X509Certificate2 certificate) => CertificateUsageRules.Explain(certificate, CertificateUsage.Encryption) == null;

        internal static X509CertificateStructure Parse(X509Certificate2 certificate) => Keys.CertificateKeyMemo.Of(certificate).Structure;
    }
}
