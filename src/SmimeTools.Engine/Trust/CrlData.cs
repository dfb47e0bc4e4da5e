using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.Keys;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;

namespace SmimeTools.Engine.Trust
{
    /// <summary>A CRL decoded once: issuer, dates, number, scope (issuingDistributionPoint) and its entries by serial number.</summary>
    internal sealed class CrlData
    {
        private static readonly HashSet<string> UnderstoodCrlExtensions = new(StringComparer.Ordinal)
        {
            X509Extensions.AuthorityKeyIdentifier.Id,
            X509Extensions.CrlNumber.Id,
            X509Extensions.DeltaCrlIndicator.Id,
            X509Extensions.IssuingDistributionPoint.Id,
            X509Extensions.FreshestCrl.Id,
            X509Extensions.IssuerAlternativeName.Id,
            X509Extensions.AuthorityInfoAccess.Id,
        };

        private static readonly HashSet<string> UnderstoodEntryExtensions = new(StringComparer.Ordinal)
        {
            X509Extensions.ReasonCode.Id,
            X509Extensions.InvalidityDate.Id,
            X509Extensions.CertificateIssuer.Id,
            X509Extensions.InstructionCode.Id,
        };

        private readonly Dictionary<string, bool> _verifiedWith = new(StringComparer.Ordinal);
        private Dictionary<string, List<CrlEntryData>>? _entries;

        private CrlData(X509Crl crl, byte[] der, string source, bool online)
        {
            Bc = crl;
            Source = source;
            FetchedOnline = online;
            Id = Convert.ToHexString(SHA256.HashData(der));
            Issuer = DistinguishedName.From(crl.IssuerDN);
            ThisUpdate = new DateTimeOffset(DateTime.SpecifyKind(crl.ThisUpdate, DateTimeKind.Utc));
            NextUpdate = crl.NextUpdate.HasValue ? new DateTimeOffset(DateTime.SpecifyKind(crl.NextUpdate.Value, DateTimeKind.Utc)) : null;
            ReadExtensions(crl.CertificateList.TbsCertList.Extensions);
        }

        public X509Crl Bc { get; }

        public string Id { get; }

        /// <summary>Where the CRL came from: "the message", "file …", "given", or the URL it was fetched from.</summary>
        public string Source { get; }

        public bool FetchedOnline { get; }

        public DistinguishedName Issuer { get; }

        public DateTimeOffset ThisUpdate { get; }

        public DateTimeOffset? NextUpdate { get; }

        public BigInteger? Number { get; private set; }

        /// <summary>BaseCRLNumber of a delta CRL; null for a complete CRL.</summary>
        public BigInteger? DeltaBase { get; private set; }

        public bool IsDelta => DeltaBase != null;

        public IssuingDistributionPoint? IssuingDistributionPoint { get; private set; }

        /// <summary>DER of the issuingDistributionPoint extension value (scope comparison of complete and delta CRLs); null when absent.</summary>
        public byte[]? ScopeDer { get; private set; }

        public bool IsIndirect => IssuingDistributionPoint?.IsIndirectCrl == true;

        public byte[]? AuthorityKeyIdentifier { get; private set; }

        /// <summary>Why the CRL may not be used at all (an unknown critical extension, a damaged extension); null when usable.</summary>
        public string? Unusable { get; private set; }

        /// <summary>True when <see cref="Unusable"/> is an unknown critical extension.</summary>
        public bool UnusableForCriticalExtension { get; private set; }

        public string Description => $"the {(IsDelta ? "delta " : string.Empty)}CRL issued by '{Issuer}' on {TrustText.When(ThisUpdate)} ({Source})";

        /// <summary>Decodes every CRL in <paramref name="data"/> (DER or PEM); what cannot be decoded is described in <paramref name="problems"/>.</summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.CrlTooLarge"/> past <see cref="InputLimits.MaximumCrlSize"/>, <see cref="ErrorIds.TooManyCrls"/> past <see cref="InputLimits.MaximumCrlCount"/> blocks.</exception>
        public static List<CrlData> Parse(byte[] data, string source, bool online, InputLimits limits, List<string> problems)
        {
            var result = new List<CrlData>();
            if (data.LongLength > limits.MaximumCrlSize)
            {
                throw InputLimits.Exceeded(ErrorIds.CrlTooLarge, $"A CRL from {source}", $"it is {data.LongLength} bytes",
                    nameof(InputLimits.MaximumCrlSize), limits.MaximumCrlSize, source);
            }

            var blobs = CrlFileReader.Split(data);
            if (blobs.Count > limits.MaximumCrlCount)
            {
                throw InputLimits.Exceeded(ErrorIds.TooManyCrls, $"The CRLs from {source}", $"they are {blobs.Count}",
                    nameof(InputLimits.MaximumCrlCount), limits.MaximumCrlCount, source);
            }
            if (blobs.Count == 0)
            {
                problems.Add($"Data from {source} holds no CRL.");
            }

            foreach (byte[] der in blobs)
            {
                try
                {
                    result.Add(new CrlData(new X509Crl(der), der, source, online));
                }
                catch (Exception e) when (CertificateData.IsDecodingFailure(e) || e is Org.BouncyCastle.Security.Certificates.CrlException)
                {
                    problems.Add($"A CRL from {source} cannot be decoded ({e.Message}).");
                }
            }

            return result;
        }

        /// <summary>True when the CRL's signature verifies with <paramref name="key"/> (cached per key).</summary>
        public bool VerifiesWith(KeyInfo key)
        {
            if (_verifiedWith.TryGetValue(key.Id, out bool known))
            {
                return known;
            }

            bool valid;
            try
            {
                valid = RsaSignatures.SameAlgorithm(Bc.SignatureAlgorithm, Bc.CertificateList.TbsCertList.Signature)
                    && key.Verify(Bc.SignatureAlgorithm, Bc.GetTbsCertList(), Bc.GetSignature());
            }
            catch (Exception e) when (CertificateData.IsDecodingFailure(e))
            {
                valid = false;
            }

            _verifiedWith[key.Id] = valid;
            return valid;
        }

        /// <summary>The entries for <paramref name="serial"/> issued by <paramref name="certificateIssuer"/> (several only in a broken CRL).</summary>
        public IEnumerable<CrlEntryData> Find(BigInteger serial, DistinguishedName certificateIssuer)
        {
            _entries ??= ReadEntries();
            if (_entries.TryGetValue(serial.ToString(16), out var list))
            {
                foreach (var entry in list)
                {
                    if (entry.CertificateIssuer.Equals(certificateIssuer))
                    {
                        yield return entry;
                    }
                }
            }
        }

        /// <summary>Decodes the entries now, so that an unknown critical entry extension makes the CRL unusable before it is relied on.</summary>
        public void EnsureEntriesRead()
        {
            _entries ??= ReadEntries();
        }

        private Dictionary<string, List<CrlEntryData>> ReadEntries()
        {
            var entries = new Dictionary<string, List<CrlEntryData>>(StringComparer.Ordinal);
            DistinguishedName currentIssuer = Issuer;
            try
            {
                foreach (CrlEntry entry in Bc.CertificateList.TbsCertList.GetRevokedCertificateEnumeration())
                {
                    RevocationReason reason = RevocationReason.Unspecified;
                    var extensions = entry.Extensions;
                    if (extensions != null)
                    {
                        foreach (DerObjectIdentifier oid in extensions.ExtensionOids)
                        {
                            var extension = extensions.GetExtension(oid);
                            if (!UnderstoodEntryExtensions.Contains(oid.Id))
                            {
                                if (extension.IsCritical)
                                {
                                    Unusable ??= $"an entry carries the critical extension {oid.Id}, which is not understood";
                                    UnusableForCriticalExtension = true;
                                }

                                continue;
                            }

                            if (oid.Id == X509Extensions.ReasonCode.Id)
                            {
                                reason = (RevocationReason)DerEnumerated.GetInstance(extension.GetParsedValue()).IntValueExact;
                            }
                            else if (oid.Id == X509Extensions.CertificateIssuer.Id)
                            {
                                var name = GeneralNames.GetInstance(extension.GetParsedValue()).GetNames()
                                    .FirstOrDefault(n => n.TagNo == GeneralName.DirectoryName);
                                if (name != null)
                                {
                                    currentIssuer = DistinguishedName.From(name.Name);
                                }
                            }
                        }
                    }

                    var serial = entry.UserCertificate.Value;
                    var date = new DateTimeOffset(DateTime.SpecifyKind(entry.RevocationDate.ToDateTime(), DateTimeKind.Utc));
                    string key = serial.ToString(16);
                    if (!entries.TryGetValue(key, out var list))
                    {
                        list = new List<CrlEntryData>(1);
                        entries.Add(key, list);
                    }

                    list.Add(new CrlEntryData(currentIssuer, date, reason));
                }
            }
            catch (Exception e) when (CertificateData.IsDecodingFailure(e))
            {
                Unusable ??= $"its entries cannot be decoded ({e.Message})";
            }

            return entries;
        }

        private void ReadExtensions(X509Extensions? extensions)
        {
            if (extensions == null)
            {
                return;
            }

            foreach (DerObjectIdentifier oid in extensions.ExtensionOids)
            {
                var extension = extensions.GetExtension(oid);
                if (!UnderstoodCrlExtensions.Contains(oid.Id))
                {
                    if (extension.IsCritical)
                    {
                        Unusable ??= $"it carries the critical extension {oid.Id}, which is not understood";
                        UnusableForCriticalExtension = true;
                    }

                    continue;
                }

                try
                {
                    var value = extension.GetParsedValue();
                    if (oid.Id == X509Extensions.CrlNumber.Id)
                    {
                        Number = DerInteger.GetInstance(value).Value;
                    }
                    else if (oid.Id == X509Extensions.DeltaCrlIndicator.Id)
                    {
                        DeltaBase = DerInteger.GetInstance(value).Value;
                    }
                    else if (oid.Id == X509Extensions.IssuingDistributionPoint.Id)
                    {
                        IssuingDistributionPoint = IssuingDistributionPoint.GetInstance(value);
                        ScopeDer = value.GetEncoded(Asn1Encodable.Der);
                    }
                    else if (oid.Id == X509Extensions.AuthorityKeyIdentifier.Id)
                    {
                        AuthorityKeyIdentifier = Org.BouncyCastle.Asn1.X509.AuthorityKeyIdentifier.GetInstance(value).KeyIdentifier?.GetOctets();
                    }
                }
                catch (Exception e) when (CertificateData.IsDecodingFailure(e))
                {
                    Unusable ??= $"its {CertificateData.ExtensionName(oid.Id)} extension cannot be decoded ({e.Message})";
                }
            }
        }
    }

    /// <summary>One revoked certificate of a CRL: the issuer it belongs to (indirect CRLs), when, and why.</summary>
    internal sealed record CrlEntryData(DistinguishedName CertificateIssuer, DateTimeOffset RevocationDate, RevocationReason Reason);
}
