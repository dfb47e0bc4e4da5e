using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// Signs CRLs for the local CA through <see cref="ISigningKey"/> (so a token CA key works), with a CRL number and the
    /// CA's authority key identifier. An earlier CRL of the same CA can be carried over: its entries stay and the new
    /// number is one more than its.
    /// </summary>
    public sealed class RevocationListIssuer
    {
        /// <summary>How long a CRL is current when no next update is given: 7 days.</summary>
        public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(7);

        private readonly ISigningKey _key;

        public RevocationListIssuer(ISigningKey key)
        {
            _key = key ?? throw new ArgumentNullException(nameof(key));
            CheckIssuer(key.Certificate);
        }

        /// <summary>Refuses a certificate that may not sign CRLs (no CA, or a key usage without cRLSign); needs no key.</summary>
        public static void CheckIssuer(X509Certificate2 issuer)
        {
            ArgumentNullException.ThrowIfNull(issuer);
            var constraints = issuer.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            var usage = issuer.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
            if (constraints?.CertificateAuthority != true || (usage != null && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.CrlSign)))
            {
                throw new SmimeException(ErrorIds.IssuerNotCertificateAuthority, SmimeErrorKind.InvalidArgument,
                    $"'{issuer.Subject}' ({issuer.Thumbprint}) is not a CA certificate with cRLSign, so it cannot sign CRLs.",
                    "Give the identity of the CA that issued the certificates being revoked.", issuer);
            }
        }

        /// <summary>
        /// The entries and number of an earlier CRL of this CA, to carry over; a clear error when it is no CRL or another
        /// CA's. The signature is not checked: it is our own output being extended.
        /// </summary>
        public static CertificateRevocationListBuilder LoadPrevious(byte[] crl, X509Certificate2 issuer, string name, out BigInteger number)
        {
            ArgumentNullException.ThrowIfNull(crl);
            ArgumentNullException.ThrowIfNull(issuer);
            CertificateRevocationListBuilder builder;
            try
            {
                var text = System.Text.Encoding.ASCII.GetString(crl);
                builder = text.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal)
                    ? CertificateRevocationListBuilder.LoadPem(text, out number)
                    : CertificateRevocationListBuilder.Load(crl, out number);
            }
            catch (CryptographicException e)
            {
                throw new SmimeException(ErrorIds.UnreadableCrlFile, SmimeErrorKind.InvalidData,
                    $"The CRL {name} cannot be read: {e.Message}", "Give a CRL this CA signed before (DER or PEM), or leave -BaseCrl out to start a new list.", name, e);
            }

            var crlIssuer = new Org.BouncyCastle.X509.X509CrlParser().ReadCrl(crl)?.IssuerDN;
            if (crlIssuer == null || !crlIssuer.Equivalent(Org.BouncyCastle.Asn1.X509.X509Name.GetInstance(issuer.SubjectName.RawData)))
            {
                throw new SmimeException(ErrorIds.UnreadableCrlFile, SmimeErrorKind.InvalidArgument,
                    $"The CRL {name} was issued by '{crlIssuer}', not by '{issuer.Subject}'; its entries are not carried over.",
                    "Give a CRL of the same CA as -Issuer.", name);
            }

            return builder;
        }

        /// <summary>What a CRL (DER) says about itself, for the record of the file it was written to.</summary>
        public static RevocationListRecord Describe(byte[] crl, string path)
        {
            ArgumentNullException.ThrowIfNull(crl);
            var parsed = new Org.BouncyCastle.X509.X509CrlParser().ReadCrl(crl);
            CertificateRevocationListBuilder.Load(crl, out var number);
            return new RevocationListRecord(path, new X500DistinguishedName(parsed.IssuerDN.GetDerEncoded()).Name, number,
                parsed.ThisUpdate.ToUniversalTime(), parsed.NextUpdate?.ToUniversalTime() ?? DateTime.MaxValue, parsed.GetRevokedCertificates()?.Count ?? 0);
        }

        /// <summary>
        /// Signs a CRL listing <paramref name="revoked"/> (and the entries of <paramref name="previous"/>); the number is one
        /// more than the previous CRL's, else <paramref name="number"/>, else the current time in seconds (so it increases
        /// with no state kept).
        /// </summary>
        public byte[] Issue(IEnumerable<RevocationEntry> revoked, DateTimeOffset? nextUpdate = null, BigInteger? number = null,
            CertificateRevocationListBuilder? previous = null, BigInteger? previousNumber = null, DateTimeOffset? now = null)
        {
            ArgumentNullException.ThrowIfNull(revoked);
            var at = now ?? DateTimeOffset.UtcNow;
            var next = nextUpdate ?? at + DefaultLifetime;
            if (next <= at)
            {
                throw new SmimeException(ErrorIds.InvalidValidityPeriod, SmimeErrorKind.InvalidArgument,
                    $"The next update of the CRL ({next.UtcDateTime:yyyy-MM-dd HH:mm} UTC) is not after its issue time.",
                    "Give a -NextUpdate in the future.", next);
            }

            var builder = previous ?? new CertificateRevocationListBuilder();
            foreach (var entry in revoked)
            {
                builder.RemoveEntry(entry.SerialNumber);
                builder.AddEntry(entry.SerialNumber, entry.RevocationTime ?? at, entry.Reason);
            }

            var crlNumber = previousNumber.HasValue ? previousNumber.Value + 1 : number ?? new BigInteger(at.ToUnixTimeSeconds());
            var issuer = _key.Certificate;
            var aki = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false);
            return builder.Build(issuer.SubjectName, new SigningKeySignatureGenerator(_key), crlNumber, next,
                SigningKeySignatureGenerator.DigestFor(_key), aki, at);
        }
    }
}
