using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// The certificates a signer may be found among: those in the message first, then those the caller gave.
    /// Only for finding a public key by identifier; whether to trust it is the Trust layer's question.
    /// A DSA key without parameters inherits them from its issuer (RFC 3279 §2.3.2), looked for here too.
    /// </summary>
    internal sealed class SignerCertificatePool
    {
        private readonly List<X509Certificate2> _certificates = new();

        public SignerCertificatePool(IEnumerable<X509Certificate2> embedded, IEnumerable<X509Certificate2>? additional)
        {
            _certificates.AddRange(embedded);
            if (additional != null)
            {
                _certificates.AddRange(additional);
            }
        }

        public X509Certificate2? Find(CmsIdentifier identifier)
        {
            foreach (var certificate in _certificates)
            {
                if (identifier.Matches(certificate))
                {
                    return certificate;
                }
            }

            return null;
        }

        /// <summary>The certificate's public key ready for verification (dispose it), or null (with why) when it cannot be used.</summary>
        public SignerPublicKey? PublicKeyOf(X509Certificate2 certificate, out string? problem) =>
            SignerPublicKey.Create(certificate, InheritedDsaParameters, out problem);

        /// <summary>An issuer may inherit its parameters in turn (PKITS 4.1.5): followed up to a few certificates.</summary>
        private const int MaximumInheritance = 8;

        private DsaParameters? InheritedDsaParameters(X509Certificate2 certificate) => InheritedDsaParameters(certificate, 0);

        private DsaParameters? InheritedDsaParameters(X509Certificate2 certificate, int depth)
        {
            if (depth >= MaximumInheritance)
            {
                return null;
            }

            foreach (var candidate in _certificates)
            {
                if (ReferenceEquals(candidate, certificate) || candidate.PublicKey.Oid.Value != CmsOid.Dsa
                    || !candidate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
                {
                    continue;
                }

                try
                {
                    var info = X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(candidate.RawData)).SubjectPublicKeyInfo;
                    if (PublicKeyFactory.CreateKey(info) is DsaPublicKeyParameters { Parameters: not null } issuerKey)
                    {
                        return issuerKey.Parameters;
                    }

                    if (InheritedDsaParameters(candidate, depth + 1) is { } inherited)
                    {
                        return inherited;
                    }
                }
                catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or ArithmeticException or SecurityUtilityException)
                {
                    // Not a usable issuer; look further.
                }
            }

            return null;
        }
    }
}
