using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Asks the OCSP responders of a certificate's authorityInfoAccess (RFC 6960) for its status: a request with a nonce,
    /// an answer signed by the issuer or by a responder the issuer delegated to (id-kp-OCSPSigning), current at the time
    /// of asking. The delegated responder's own revocation is not checked (such certificates carry id-pkix-ocsp-nocheck).
    /// </summary>
    internal static class OcspQuery
    {
        /// <summary>Largest OCSP answer read.</summary>
        internal const int MaxResponseBytes = 256 * 1024;

        private const string OcspSigning = "1.3.6.1.5.5.7.3.9";

        /// <summary>Clock difference tolerated between this machine and the responder.</summary>
        private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

        /// <summary>The status from the first responder that gives a usable answer; null when none does.</summary>
        public static RevocationOutcome? Ask(ValidationRun run, CertificateData certificate, CertificateData issuer, KeyInfo? issuerKey,
            List<string> notes, List<TrustProblem> warnings)
        {
            if (issuerKey == null)
            {
                return null;
            }

            foreach (Uri responder in certificate.OcspResponders.Take(2))
            {
                if (!run.FetchedLocations.Add("ocsp|" + responder.AbsoluteUri + "|" + certificate.Id))
                {
                    continue;
                }

                if (!run.TryTakeOnlineRequest())
                {
                    notes.Add($"The OCSP responder {responder} was not asked: the limit of {run.Options.MaxOnlineRequests} network requests was reached.");
                    break;
                }

                try
                {
                    var id = new CertificateID(CertificateID.DigestSha1, issuer.Bc, certificate.Bc.SerialNumber);
                    byte[] nonce = RandomNumberGenerator.GetBytes(16);
                    var generator = new OcspReqGenerator();
                    generator.AddRequest(id);
                    generator.SetRequestExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
                    {
                        [OcspObjectIdentifiers.PkixOcspNonce] = new X509Extension(false, new DerOctetString(new DerOctetString(nonce))),
                    }));
                    byte[] request = generator.Generate().GetEncoded();
                    byte[]? answer = run.Online(token => run.Fetcher.SendOcspRequest(responder, request, MaxResponseBytes, token));
                    if (answer == null)
                    {
                        notes.Add($"The OCSP responder {responder} was not asked: {responder.Scheme} is not supported here.");
                        continue;
                    }

                    var result = Read(answer, id, nonce, issuer, issuerKey, responder, out string? problem, out bool badSignature);
                    if (result != null)
                    {
                        return result;
                    }

                    notes.Add($"The OCSP responder {responder} gave no usable answer: {problem}");
                    if (badSignature)
                    {
                        warnings.Add(new TrustProblem(TrustProblemCode.InvalidSignature, TrustProblemSeverity.Warning,
                            $"The answer of the OCSP responder {responder} is not signed by {issuer.DisplayName} or a responder it authorised, so it was not used.", null, -1));
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    notes.Add($"The OCSP responder {responder} could not be asked: {e.Message}");
                }
            }

            return null;
        }

        /// <summary>Judges one responder's answer to the request for <paramref name="id"/>; null with a problem when it is unusable. Internal for the fuzz target.</summary>
        internal static RevocationOutcome? Read(byte[] answer, CertificateID id, byte[] nonce, CertificateData issuer, KeyInfo issuerKey,
            Uri responder, out string? problem, out bool badSignature)
        {
            badSignature = false;
            OcspResp response;
            BasicOcspResp? basic;
            try
            {
                response = new OcspResp(answer);
                if (response.Status != OcspRespStatus.Successful)
                {
                    problem = $"it answered with status {response.Status}.";
                    return null;
                }

                basic = response.GetResponseObject() as BasicOcspResp;
            }
            catch (Exception e) when (CertificateData.IsDecodingFailure(e) || e is OcspException)
            {
                problem = $"the answer cannot be decoded ({e.Message}).";
                return null;
            }

            if (basic == null)
            {
                problem = "the answer is not a basic OCSP response.";
                return null;
            }

            if (!SignedByIssuerOrDelegate(basic, issuer, issuerKey))
            {
                badSignature = true;
                problem = "its signature does not verify with the key of the issuer or of a responder the issuer authorised.";
                return null;
            }

            var echoed = basic.ResponseExtensions?.GetExtension(OcspObjectIdentifiers.PkixOcspNonce);
            if (echoed != null)
            {
                var value = Asn1OctetString.GetInstance(echoed.GetParsedValue()).GetOctets();
                if (!value.AsSpan().SequenceEqual(nonce))
                {
                    problem = "the answer is for another request (its nonce differs).";
                    return null;
                }
            }

            var single = basic.Responses.FirstOrDefault(r => SameId(r.GetCertID(), id));
            if (single == null)
            {
                problem = "the answer does not cover the certificate asked about.";
                return null;
            }

            var now = DateTimeOffset.UtcNow;
            var thisUpdate = new DateTimeOffset(DateTime.SpecifyKind(single.ThisUpdate, DateTimeKind.Utc));
            if (thisUpdate > now + Skew)
            {
                problem = $"the answer is dated in the future ({TrustText.When(thisUpdate)}).";
                return null;
            }

            if (single.NextUpdate is DateTime next && new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) < now - Skew)
            {
                problem = $"the answer is out of date (next update {TrustText.When(next)}).";
                return null;
            }

            object? status = single.GetCertStatus();
            string source = "OCSP responder " + responder.AbsoluteUri;
            if (status == null)
            {
                problem = null;
                return new RevocationOutcome { Status = RevocationStatus.Good, Method = RevocationMethod.Ocsp, Source = source, FetchedOnline = true };
            }

            if (status is RevokedStatus revoked)
            {
                problem = null;
                return new RevocationOutcome
                {
                    Status = RevocationStatus.Revoked,
                    Method = RevocationMethod.Ocsp,
                    Source = source,
                    FetchedOnline = true,
                    Date = new DateTimeOffset(DateTime.SpecifyKind(revoked.RevocationTime, DateTimeKind.Utc)),
                    Reason = revoked.HasRevocationReason ? (RevocationReason)revoked.RevocationReason : RevocationReason.Unspecified,
                };
            }

            problem = "the responder does not know the certificate.";
            return null;
        }

        private static bool SignedByIssuerOrDelegate(BasicOcspResp basic, CertificateData issuer, KeyInfo issuerKey)
        {
            try
            {
                var responderId = basic.ResponderId.ToAsn1Object();
                if (Names(responderId, issuer.Bc.SubjectDN, issuerKey.Info))
                {
                    return Verifies(basic, issuerKey);
                }

                foreach (BcCertificate delegated in basic.GetCerts() ?? Array.Empty<BcCertificate>())
                {
                    var usages = delegated.GetExtendedKeyUsage();
                    if (!Names(responderId, delegated.SubjectDN, delegated.SubjectPublicKeyInfo)
                        || !DistinguishedName.From(delegated.IssuerDN).Equals(issuer.Subject) || usages == null
                        || !usages.Any(u => u.Id == OcspSigning) || !delegated.IsValid(DateTime.UtcNow))
                    {
                        continue;
                    }

                    var delegatedKey = KeyInfo.Create(delegated.SubjectPublicKeyInfo, out _)?.InheritFrom(issuerKey);
                    var data = CertificateData.TryCreate(new System.Security.Cryptography.X509Certificates.X509Certificate2(delegated.GetEncoded()), out _);
                    if (delegatedKey == null || data == null || !data.IsSignedBy(issuerKey))
                    {
                        continue;
                    }

                    return Verifies(basic, delegatedKey);
                }
            }
            catch (Exception e) when (CertificateData.IsDecodingFailure(e) || e is OcspException)
            {
                return false;
            }

            return false;
        }

        /// <summary>Whether a ResponderID names this responder, by name or by the SHA-1 of its key.</summary>
        private static bool Names(ResponderID id, X509Name name, SubjectPublicKeyInfo key)
        {
            if (id.Name != null)
            {
                return DistinguishedName.From(id.Name).Equals(DistinguishedName.From(name));
            }

            byte[]? hash = id.GetKeyHash();
            return hash != null && hash.AsSpan().SequenceEqual(SHA1.HashData(key.PublicKey.GetBytes()));
        }

        private static bool Verifies(BasicOcspResp basic, KeyInfo key)
        {
            try
            {
                return key.Verify(basic.SignatureAlgorithm, basic.GetTbsResponseData(), basic.GetSignature());
            }
            catch (Exception e) when (CertificateData.IsDecodingFailure(e))
            {
                return false;
            }
        }

        private static bool SameId(CertificateID a, CertificateID b) =>
            a.HashAlgOid == b.HashAlgOid && a.SerialNumber.Equals(b.SerialNumber)
            && a.GetIssuerNameHash().AsSpan().SequenceEqual(b.GetIssuerNameHash())
            && a.GetIssuerKeyHash().AsSpan().SequenceEqual(b.GetIssuerKeyHash());
    }
}
