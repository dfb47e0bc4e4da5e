using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Pkcs;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>
    /// A PKCS#10 request on its way to a SCEP server: parsed and checked, the transactionID derived from its public key,
    /// the transient self-signed certificate made for that key (RFC 8894 §2.3), and the challenge password added.
    /// </summary>
    internal sealed class ScepCertificationRequest
    {
        private ScepCertificationRequest(CertificationRequest request)
        {
            Request = request;
            Info = request.GetCertificationRequestInfo();
            PublicKeyInfo = Info.SubjectPublicKeyInfo.GetDerEncoded();

            // RFC 8894 §3.2.1.1: a transactionID derived from the public key identifies the request across retries and polls.
            TransactionId = Convert.ToHexString(SHA256.HashData(PublicKeyInfo));
            Subject = new X500DistinguishedName(Info.Subject.GetDerEncoded());
        }

        public CertificationRequest Request { get; }

        public CertificationRequestInfo Info { get; }

        /// <summary>The DER SubjectPublicKeyInfo of the key asked for.</summary>
        public byte[] PublicKeyInfo { get; }

        public string TransactionId { get; }

        public X500DistinguishedName Subject { get; }

        public byte[] Der => Request.GetDerEncoded();

        /// <summary>Reads a request from PEM text ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or DER.</summary>
        public static ScepCertificationRequest Parse(byte[] data, string what)
        {
            ArgumentNullException.ThrowIfNull(data);
            byte[] der = data;
            var text = Encoding.ASCII.GetString(data);
            int begin = text.IndexOf("-----BEGIN", StringComparison.Ordinal);
            if (begin >= 0)
            {
                var fields = PemEncoding.Find(text.AsSpan(begin));
                var label = text.AsSpan(begin)[fields.Label].ToString();
                if (label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST")
                {
                    throw Invalid(what, $"it is PEM of type '{label}', not CERTIFICATE REQUEST");
                }

                der = Convert.FromBase64String(text.AsSpan(begin)[fields.Base64Data].ToString());
            }

            CertificationRequest request;
            try
            {
                request = CertificationRequest.GetInstance(Asn1Object.FromByteArray(der));
                var parsed = new ScepCertificationRequest(request);
                if (!new Pkcs10CertificationRequest(der).Verify())
                {
                    throw Invalid(what, "its signature does not verify with its own public key");
                }

                return parsed;
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException or System.IO.IOException or FormatException or CryptographicException
                or Org.BouncyCastle.Security.SecurityUtilityException or InvalidOperationException)
            {
                throw Invalid(what, $"it is not a PKCS#10 request ({e.Message})", e);
            }
        }

        /// <summary>
        /// A self-signed certificate for the request's public key with its subject, not yet signed: the key is opened
        /// for it (a reference needs a certificate), signs it, and <see cref="SignTransient"/> makes the real one.
        /// </summary>
        public (X509Certificate2 Unsigned, TbsCertificateStructure Tbs) PrepareTransient()
        {
            var generator = new V3TbsCertificateGenerator();
            var serial = RandomNumberGenerator.GetBytes(16);
            serial[0] &= 0x7f;
            generator.SetSerialNumber(new DerInteger(new Org.BouncyCastle.Math.BigInteger(1, serial)));
            generator.SetIssuer(Info.Subject);
            generator.SetSubject(Info.Subject);
            var now = DateTime.UtcNow;
            generator.SetStartDate(new Time(now.AddMinutes(-10)));
            generator.SetEndDate(new Time(now.AddDays(7)));
            generator.SetSubjectPublicKeyInfo(Info.SubjectPublicKeyInfo);
            generator.SetSignature(SignatureIdentifier());
            var tbs = generator.GenerateTbsCertificate();
            var placeholder = new X509CertificateStructure(tbs, SignatureIdentifier(), new DerBitString(new byte[] { 0 }));
            return (new X509Certificate2(placeholder.GetDerEncoded()), tbs);
        }

        /// <summary>Signs the transient certificate with the key; EnrolmentKeyMismatch when the key is not the request's.</summary>
        public X509Certificate2 SignTransient(TbsCertificateStructure tbs, ISigningKey key, string what)
        {
            var signature = SignChecked(tbs.GetDerEncoded(), key, what);
            return new X509Certificate2(new X509CertificateStructure(tbs, SignatureIdentifier(), new DerBitString(signature)).GetDerEncoded());
        }

        /// <summary>The request with a challengePassword attribute (RFC 2985 §5.4.1) in place of any it had, signed again with the key.</summary>
        public ScepCertificationRequest WithChallenge(SecureString challenge, ISigningKey key, string what)
        {
            var password = Reveal(challenge);
            var value = password.All(IsPrintable) ? (Asn1Encodable)new DerPrintableString(password) : new DerUtf8String(password);
            var attributes = new Asn1EncodableVector();
            if (Info.Attributes != null)
            {
                foreach (var element in Info.Attributes)
                {
                    var attribute = AttributePkcs.GetInstance(element);
                    if (attribute.AttrType.Id != ScepOids.ChallengePassword)
                    {
                        attributes.Add(attribute);
                    }
                }
            }

            attributes.Add(new AttributePkcs(new DerObjectIdentifier(ScepOids.ChallengePassword), new DerSet(value)));
            var info = new CertificationRequestInfo(Info.Subject, Info.SubjectPublicKeyInfo, new DerSet(attributes));
            var signature = SignChecked(info.GetDerEncoded(), key, what);
            return new ScepCertificationRequest(new CertificationRequest(info, SignatureIdentifier(), new DerBitString(signature)));
        }

        /// <summary>True when <paramref name="certificate"/> is for the key this request asks a certificate for.</summary>
        public bool IsFor(X509Certificate2 certificate) =>
            SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(certificate.PublicKey.ExportSubjectPublicKeyInfo())).GetDerEncoded()
                .AsSpan().SequenceEqual(PublicKeyInfo);

        private byte[] SignChecked(byte[] data, ISigningKey key, string what)
        {
            bool rsa = IsRsa;
            var signature = key.Sign(data, DigestAlgorithm.Sha256, rsa ? SignatureAlgorithm.RsaPkcs1 : SignatureAlgorithm.Ecdsa);

            // A token key with the right id but another public key would sign too: check against the request's key.
            bool valid;
            if (rsa)
            {
                using var publicKey = RSA.Create();
                publicKey.ImportSubjectPublicKeyInfo(PublicKeyInfo, out _);
                valid = publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            }
            else
            {
                using var publicKey = ECDsa.Create();
                publicKey.ImportSubjectPublicKeyInfo(PublicKeyInfo, out _);
                valid = publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            }

            return valid ? signature : throw ScepRequestKey.KeyMismatch(what);
        }

        private bool IsRsa => Info.SubjectPublicKeyInfo.Algorithm.Algorithm.Equals(PkcsObjectIdentifiers.RsaEncryption);

        private AlgorithmIdentifier SignatureIdentifier()
        {
            if (IsRsa)
            {
                return new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance);
            }

            if (Info.SubjectPublicKeyInfo.Algorithm.Algorithm.Equals(X9ObjectIdentifiers.IdECPublicKey))
            {
                return new AlgorithmIdentifier(X9ObjectIdentifiers.ECDsaWithSha256);
            }

            throw new SmimeException(ErrorIds.UnsupportedKey, SmimeErrorKind.InvalidArgument,
                $"The certificate request for '{Subject.Name}' is for a {Info.SubjectPublicKeyInfo.Algorithm.Algorithm.Id} key; SCEP needs a key that can sign its messages.",
                "Make the request for an RSA key (SCEP servers encrypt their replies to it) or an EC key.", Subject.Name);
        }

        private static bool IsPrintable(char c) =>
            c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or ' ' or '\'' or '(' or ')' or '+' or ',' or '-' or '.' or '/' or ':' or '=' or '?';

        private static string Reveal(SecureString secret)
        {
            var pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
            try
            {
                return Marshal.PtrToStringUni(pointer, secret.Length);
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }

        private static SmimeException Invalid(string what, string why, Exception? inner = null) =>
            new(ErrorIds.InvalidCertificateRequest, SmimeErrorKind.InvalidData,
                $"{what} cannot be submitted: {why}.", "Give the PEM request New-SmimeCertificateRequest (or openssl req) wrote, or its file.", what, inner);
    }
}
