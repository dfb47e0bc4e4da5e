using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// A small CA for labs, small organisations and CI: issues S/MIME certificates (SAN rfc822Name, key usage by key type,
    /// emailProtection, AKI/SKI, an optional CRL distribution point, 16 random bytes of serial) signed through
    /// <see cref="ISigningKey"/>, so the CA key may be in a file, a store or on a token. A certificate never outlives its
    /// issuer: an end beyond the CA's is cut back to the CA's.
    /// </summary>
    public sealed class LocalCertificateAuthority
    {
        private const string EmailProtection = "1.3.6.1.5.5.7.3.4";

        // Issued certificates start a little in the past, so a peer whose clock is behind ours still accepts them.
        private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

        private readonly ISigningKey _key;

        /// <summary>A CA that signs with <paramref name="key"/>; its certificate must be a CA certificate (<see cref="CheckIssuer"/>).</summary>
        public LocalCertificateAuthority(ISigningKey key)
        {
            _key = key ?? throw new ArgumentNullException(nameof(key));
            CheckIssuer(key.Certificate);
        }

        public X509Certificate2 Certificate => _key.Certificate;

        /// <summary>
        /// Refuses a certificate that cannot issue: not a CA (basicConstraints), no keyCertSign, or expired. Needs no key,
        /// so the cmdlets check before -WhatIf and before any PIN.
        /// </summary>
        public static void CheckIssuer(X509Certificate2 issuer, DateTimeOffset? now = null)
        {
            ArgumentNullException.ThrowIfNull(issuer);
            var constraints = issuer.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            var usage = issuer.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
            if (constraints?.CertificateAuthority != true || (usage != null && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign)))
            {
                throw new SmimeException(ErrorIds.IssuerNotCertificateAuthority, SmimeErrorKind.InvalidArgument,
                    $"'{issuer.Subject}' ({issuer.Thumbprint}) is not a CA certificate (basicConstraints cA and keyCertSign), so it cannot issue certificates.",
                    "Give a CA identity as -Issuer, or make one: New-SmimeCertificate -SelfSigned -CertificateAuthority -Subject 'CN=Test CA'.", issuer);
            }

            var at = now ?? DateTimeOffset.UtcNow;
            if (issuer.NotAfter.ToUniversalTime() <= at.UtcDateTime)
            {
                throw new SmimeException(ErrorIds.CertificateExpired, SmimeErrorKind.InvalidArgument,
                    $"The CA certificate '{issuer.Subject}' expired on {issuer.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; it issues nothing more.",
                    "Renew the CA, or use another one.", issuer);
            }
        }

        /// <summary>A distinguished name from text like 'CN=Alice Example, O=Example'; a clear error when it is not one.</summary>
        public static X500DistinguishedName ParseName(string subject)
        {
            ArgumentNullException.ThrowIfNull(subject);
            try
            {
                return new X500DistinguishedName(subject);
            }
            catch (CryptographicException e)
            {
                throw new SmimeException(ErrorIds.InvalidDistinguishedName, SmimeErrorKind.InvalidArgument,
                    $"'{subject}' is not a distinguished name: {e.Message}", "Write it like 'CN=Alice Example, O=Example'.", subject, e);
            }
        }

        /// <summary>
        /// Issues for a checked request: its subject unless <paramref name="subject"/> is given, its addresses unless the
        /// options name some; a weak key is refused unless the options allow it.
        /// </summary>
        public IssuedCertificate Issue(SigningRequest request, X500DistinguishedName? subject, IssuanceOptions options, DateTimeOffset? now = null)
        {
            ArgumentNullException.ThrowIfNull(request);
            ArgumentNullException.ThrowIfNull(options);
            var emails = options.Emails.Count > 0 ? options.Emails.ToList() : request.Emails.ToList();
            CheckKey(request.KeyAlgorithm, request.KeySize, emails.FirstOrDefault() ?? request.Subject.Name, options);
            return Issue(subject ?? request.Subject, request.PublicKey, emails, options, now);
        }

        /// <summary>Issues a certificate for <paramref name="publicKey"/>, such as one just generated.</summary>
        public IssuedCertificate Issue(X500DistinguishedName subject, PublicKey publicKey, IssuanceOptions options, DateTimeOffset? now = null)
        {
            ArgumentNullException.ThrowIfNull(options);
            return Issue(subject, publicKey, options.Emails.ToList(), options, now);
        }

        /// <summary>A self-signed certificate for <paramref name="key"/>: a throwaway identity for CI, or with CertificateAuthority a root.</summary>
        public static IssuedCertificate SelfSigned(X500DistinguishedName subject, AsymmetricAlgorithm key, IssuanceOptions options, DateTimeOffset? now = null)
        {
            ArgumentNullException.ThrowIfNull(subject);
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(options);
            var at = now ?? DateTimeOffset.UtcNow;
            var publicKey = KeyGeneration.PublicKeyOf(key);
            var algorithm = AlgorithmOf(publicKey);
            var hash = key is ECDsa ec && ec.KeySize > 256 ? (ec.KeySize > 384 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA384) : HashAlgorithmName.SHA256;
            var generator = key is RSA rsa ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1) : X509SignatureGenerator.CreateForECDsa((ECDsa)key);
            var request = new CertificateRequest(subject, publicKey, hash);
            var ski = new X509SubjectKeyIdentifierExtension(publicKey, false);
            AddProfile(request, publicKey, algorithm, options.Emails.ToList(), options, ski, X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
            var notBefore = at - ClockSkew;
            var requested = options.NotAfter ?? at + (options.CertificateAuthority ? IssuanceOptions.DefaultAuthorityValidity : IssuanceOptions.DefaultValidity);
            CheckValidity(notBefore, requested, subject.Name);
            var certificate = request.Create(subject, generator, notBefore, requested, NewSerialNumber());
            return new IssuedCertificate(certificate, requested, false);
        }

        /// <summary>16 random bytes, positive: unpredictable serials (CA/B Forum asks for at least 64 random bits).</summary>
        public static byte[] NewSerialNumber()
        {
            var serial = RandomNumberGenerator.GetBytes(16);
            serial[0] &= 0x7F;
            if (serial[0] == 0)
            {
                serial[0] = 0x01;
            }

            return serial;
        }

        private IssuedCertificate Issue(X500DistinguishedName subject, PublicKey publicKey, List<string> emails, IssuanceOptions options, DateTimeOffset? now)
        {
            ArgumentNullException.ThrowIfNull(subject);
            ArgumentNullException.ThrowIfNull(publicKey);
            var at = now ?? DateTimeOffset.UtcNow;
            CheckIssuer(_key.Certificate, at);
            var issuer = _key.Certificate;
            var algorithm = AlgorithmOf(publicKey);
            if (algorithm == KeyAlgorithmKind.Rsa)
            {
                CheckKey(algorithm, KeySizeOf(publicKey),
                    emails.FirstOrDefault() ?? subject.Name, options);
            }

            var hash = SigningKeySignatureGenerator.DigestFor(_key);
            var request = new CertificateRequest(subject, publicKey, hash);
            AddProfile(request, publicKey, algorithm, emails, options, new X509SubjectKeyIdentifierExtension(publicKey, false),
                X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));

            var issuerStart = new DateTimeOffset(issuer.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            var issuerEnd = new DateTimeOffset(issuer.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var notBefore = at - ClockSkew < issuerStart ? issuerStart : at - ClockSkew;
            var requested = options.NotAfter ?? at + (options.CertificateAuthority ? IssuanceOptions.DefaultAuthorityValidity : IssuanceOptions.DefaultValidity);
            var clipped = requested > issuerEnd;
            var notAfter = clipped ? issuerEnd : requested;
            CheckValidity(notBefore, notAfter, subject.Name);
            var certificate = request.Create(issuer.SubjectName, new SigningKeySignatureGenerator(_key), notBefore, notAfter, NewSerialNumber());
            return new IssuedCertificate(certificate, requested, clipped);
        }

        private static void AddProfile(CertificateRequest request, PublicKey publicKey, KeyAlgorithmKind algorithm, List<string> emails,
            IssuanceOptions options, X509SubjectKeyIdentifierExtension ski, X509AuthorityKeyIdentifierExtension aki)
        {
            var extensions = request.CertificateExtensions;
            if (options.CertificateAuthority)
            {
                extensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
                extensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
            }
            else
            {
                extensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
                extensions.Add(new X509KeyUsageExtension(UsageFlags(algorithm, options.Usage, request.SubjectName.Name), true));
                extensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(EmailProtection) }, false));
            }

            if (emails.Count > 0)
            {
                var san = new SubjectAlternativeNameBuilder();
                foreach (var email in emails.Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    san.AddEmailAddress(email.Trim());
                }

                // RFC 5280 §4.2.1.6: critical only when the subject is empty.
                extensions.Add(san.Build(critical: request.SubjectName.RawData.Length <= 2));
            }
            else if (!options.CertificateAuthority)
            {
                throw new SmimeException(ErrorIds.NoEmailAddress, SmimeErrorKind.InvalidArgument,
                    $"The certificate for '{request.SubjectName.Name}' would carry no e-mail address, so no mail client could use it for S/MIME.",
                    "Give -Email, or a request that asks for an address (New-SmimeCertificateRequest -Email).", request.SubjectName.Name);
            }

            extensions.Add(ski);
            extensions.Add(aki);
            if (options.CrlDistributionPoints.Count > 0)
            {
                extensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(options.CrlDistributionPoints));
            }
        }

        private static X509KeyUsageFlags UsageFlags(KeyAlgorithmKind algorithm, IssuedKeyUsage usage, string who)
        {
            var sign = usage is IssuedKeyUsage.Both or IssuedKeyUsage.Signing;
            var encrypt = usage is IssuedKeyUsage.Both or IssuedKeyUsage.Encryption;
            switch (algorithm)
            {
                case KeyAlgorithmKind.Rsa:
                    return (sign ? X509KeyUsageFlags.DigitalSignature : 0) | (encrypt ? X509KeyUsageFlags.KeyEncipherment : 0);
                case KeyAlgorithmKind.Ec:
                    return (sign ? X509KeyUsageFlags.DigitalSignature : 0) | (encrypt ? X509KeyUsageFlags.KeyAgreement : 0);
                case KeyAlgorithmKind.Ed25519 when usage == IssuedKeyUsage.Signing:
                case KeyAlgorithmKind.Ed25519 when usage == IssuedKeyUsage.Both:
                    return X509KeyUsageFlags.DigitalSignature;
                case KeyAlgorithmKind.X25519 when usage == IssuedKeyUsage.Encryption:
                case KeyAlgorithmKind.X25519 when usage == IssuedKeyUsage.Both:
                    return X509KeyUsageFlags.KeyAgreement;
                default:
                    throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                        $"A {algorithm} key cannot be certified for {usage} ('{who}').",
                        "Ed25519 keys sign and X25519 keys encrypt: give -Usage Signing or -Usage Encryption to match, or another key.", who);
            }
        }

        private static void CheckKey(KeyAlgorithmKind algorithm, int size, string who, IssuanceOptions options)
        {
            if (algorithm == KeyAlgorithmKind.Unknown)
            {
                throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                    $"The key asked to be certified for {who} is of a kind this CA does not issue for.",
                    "Use an RSA, EC (NIST curve), Ed25519 or X25519 key.", who);
            }

            if (algorithm == KeyAlgorithmKind.Rsa && size < AlgorithmPolicy.MinimumRsaKeySize && !options.AllowWeakAlgorithm)
            {
                throw new SmimeException(ErrorIds.WeakKey, SmimeErrorKind.SecurityError,
                    $"The request for {who} has a {size}-bit RSA key; keys under {AlgorithmPolicy.MinimumRsaKeySize} bits are not certified.",
                    "Make a new request with a key of 2048 bits or more, or add -AllowWeakAlgorithm to issue anyway (for tests of old keys only).", who);
            }
        }

        private static void CheckValidity(DateTimeOffset notBefore, DateTimeOffset notAfter, string who)
        {
            if (notAfter <= notBefore)
            {
                throw new SmimeException(ErrorIds.InvalidValidityPeriod, SmimeErrorKind.InvalidArgument,
                    $"The certificate for '{who}' would end ({notAfter.UtcDateTime:yyyy-MM-dd HH:mm} UTC) before it starts ({notBefore.UtcDateTime:yyyy-MM-dd HH:mm} UTC).",
                    "Give a -NotAfter in the future, within the issuer's validity.", who);
            }
        }

        private static int KeySizeOf(PublicKey publicKey)
        {
            using var rsa = publicKey.GetRSAPublicKey();
            return rsa?.KeySize ?? 0;
        }

        private static KeyAlgorithmKind AlgorithmOf(PublicKey publicKey) => publicKey.Oid.Value switch
        {
            KeyAlgorithms.RsaOid => KeyAlgorithmKind.Rsa,
            KeyAlgorithms.EcOid => KeyAlgorithmKind.Ec,
            KeyAlgorithms.Ed25519Oid => KeyAlgorithmKind.Ed25519,
            KeyAlgorithms.X25519Oid => KeyAlgorithmKind.X25519,
            _ => KeyAlgorithmKind.Unknown,
        };
    }
}
