using System.Collections.Generic;
using Org.BouncyCastle.Asn1.X509;

namespace SmimeTools.TestPki
{
    /// <summary>What one test user's certificate should look like.</summary>
    internal sealed class UserSpec
    {
        private const int SignAndEncryptRsa = KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment;
        private const int SignAndAgree = KeyUsage.DigitalSignature | KeyUsage.KeyAgreement;

        private UserSpec(
            string name,
            string mailbox,
            string certificateEmail,
            string commonName,
            KeyKind keyKind,
            int rsaBits,
            int keyUsageBits,
            string description)
        {
            Name = name;
            Mailbox = mailbox;
            CertificateEmail = certificateEmail;
            CommonName = commonName;
            KeyKind = keyKind;
            RsaBits = rsaBits;
            KeyUsageBits = keyUsageBits;
            Description = description;
        }

        public string Name { get; }

        /// <summary>The mailbox the user is known by (what a caller would look the certificate up with).</summary>
        public string Mailbox { get; }

        /// <summary>The address written into the certificate (SAN rfc822Name and, unless omitted, E=).</summary>
        public string CertificateEmail { get; }

        public string CommonName { get; }

        public KeyKind KeyKind { get; }

        public int RsaBits { get; }

        /// <summary>BouncyCastle <see cref="Org.BouncyCastle.Asn1.X509.KeyUsage"/> bits.</summary>
        public int KeyUsageBits { get; }

        public string Description { get; }

        public bool EmailInSubject { get; private init; } = true;

        /// <summary>An internationalised mailbox written into the SAN as an SmtpUTF8Mailbox other name (RFC 9598), or null.</summary>
        public string? SmtpUtf8Mailbox { get; private init; }

        public bool ServerAuthOnly { get; private init; }

        public ValidityKind Validity { get; private init; } = ValidityKind.Current;

        public bool Revoked { get; private init; }

        public bool BadCase { get; private init; }

        /// <summary>Every user, in the order they are written to the manifest.</summary>
        public static IReadOnlyList<UserSpec> All { get; } = new[]
        {
            new UserSpec("rsa2048", "alice@example.com", "alice@example.com", "Alice Example", KeyKind.Rsa, 2048, SignAndEncryptRsa,
                "RSA 2048, signing and key transport."),
            new UserSpec("rsa3072", "bob@example.com", "bob@example.com", "Bob Example", KeyKind.Rsa, 3072, SignAndEncryptRsa,
                "RSA 3072, signing and key transport."),
            new UserSpec("p256", "carol@example.com", "carol@example.com", "Carol Example", KeyKind.EcP256, 0, SignAndAgree,
                "ECDSA P-256, signing and ECDH key agreement."),
            new UserSpec("p384", "dave@example.com", "dave@example.com", "Dave Example", KeyKind.EcP384, 0, SignAndAgree,
                "ECDSA P-384, signing and ECDH key agreement; no E= in the subject (address only in the SAN).")
            {
                EmailInSubject = false,
            },
            new UserSpec("p521", "frank@example.com", "frank@example.com", "Frank Example", KeyKind.EcP521, 0, SignAndAgree,
                "ECDSA P-521, signing and ECDH key agreement."),
            new UserSpec("ed25519", "erin@example.com", "erin@example.com", "Erin Example (signing)", KeyKind.Ed25519, 0, KeyUsage.DigitalSignature,
                "Ed25519 signing certificate; erin's encryption certificate is x25519."),
            new UserSpec("x25519", "erin@example.com", "erin@example.com", "Erin Example (encryption)", KeyKind.X25519, 0, KeyUsage.KeyAgreement,
                "X25519 key-agreement (encryption) certificate; erin's signing certificate is ed25519."),
            new UserSpec("expired", "expired@example.com", "expired@example.com", "Expired User", KeyKind.Rsa, 2048, SignAndEncryptRsa,
                "notAfter is one year in the past.")
            {
                Validity = ValidityKind.Expired,
                BadCase = true,
            },
            new UserSpec("notyetvalid", "notyetvalid@example.com", "notyetvalid@example.com", "Not Yet Valid User", KeyKind.Rsa, 2048, SignAndEncryptRsa,
                "notBefore is one year in the future.")
            {
                Validity = ValidityKind.NotYetValid,
                BadCase = true,
            },
            new UserSpec("revoked", "revoked@example.com", "revoked@example.com", "Revoked User", KeyKind.Rsa, 2048, SignAndEncryptRsa,
                "Listed in the intermediate CA's CRL, reason keyCompromise.")
            {
                Revoked = true,
                BadCase = true,
            },
            new UserSpec("wrongeku", "wrongeku@example.com", "wrongeku@example.com", "Wrong EKU User", KeyKind.Rsa, 2048, SignAndEncryptRsa,
                "Extended key usage serverAuth only (no emailProtection).")
            {
                ServerAuthOnly = true,
                BadCase = true,
            },
            new UserSpec("signonly", "signonly@example.com", "signonly@example.com", "Sign Only User", KeyKind.Rsa, 2048, KeyUsage.DigitalSignature,
                "Key usage digitalSignature only (no keyEncipherment): cannot be encrypted to.")
            {
                BadCase = true,
            },
            new UserSpec("rsa512", "rsa512@example.com", "rsa512@example.com", "Weak Key User", KeyKind.Rsa, 512, SignAndEncryptRsa,
                "RSA 512-bit key (too weak).")
            {
                BadCase = true,
            },
            new UserSpec("mismatch", "mallory@example.com", "someone-else@example.org", "Mallory Example", KeyKind.Rsa, 2048, SignAndEncryptRsa,
                "The certificate names someone-else@example.org, not the mailbox mallory@example.com.")
            {
                BadCase = true,
            },
            new UserSpec("uppercase", "upper.case@example.com", "Upper.Case@Example.COM", "Upper Case", KeyKind.Rsa, 2048, SignAndEncryptRsa,
                "The certificate writes the address in mixed case (Upper.Case@Example.COM) in the SAN and E=.")
            {
                BadCase = true,
            },
            new UserSpec("renewed", "alice@example.com", "alice@example.com", "Alice Example", KeyKind.Rsa, 2048, SignAndEncryptRsa,
                "Alice's renewed certificate: a new key, notBefore 23 hours after rsa2048's, so it is the newest for alice@example.com.")
            {
                Validity = ValidityKind.Renewed,
            },
            new UserSpec("idn", "jürgen@bücher.example", "juergen@xn--bcher-kva.example", "Jürgen Bücher", KeyKind.EcP256, 0, SignAndAgree,
                "An IDN domain: SAN rfc822Name and E= juergen@xn--bcher-kva.example (punycode), SAN SmtpUTF8Mailbox jürgen@bücher.example.")
            {
                SmtpUtf8Mailbox = "jürgen@bücher.example",
            },
        };
    }
}
