using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// A PKCS#10 certificate request whose self-signature has been checked: the subject, the public key and the
    /// addresses it asks for. The extensions it asks for are not taken over; the CA's S/MIME profile decides them.
    /// </summary>
    public sealed class SigningRequest
    {
        private SigningRequest(X500DistinguishedName subject, PublicKey publicKey, KeyAlgorithmKind algorithm, int keySize, IReadOnlyList<string> emails, byte[] der)
        {
            Subject = subject;
            PublicKey = publicKey;
            KeyAlgorithm = algorithm;
            KeySize = keySize;
            Emails = emails;
            Der = der;
        }

        public X500DistinguishedName Subject { get; }

        public PublicKey PublicKey { get; }

        public KeyAlgorithmKind KeyAlgorithm { get; }

        /// <summary>Key size in bits (modulus for RSA, field size for EC, 256 for Ed25519/X25519).</summary>
        public int KeySize { get; }

        /// <summary>The rfc822Name entries of the subject alternative names the request asks for.</summary>
        public IReadOnlyList<string> Emails { get; }

        public byte[] Der { get; }

        /// <summary>
        /// Reads a request given as PEM text or DER bytes and checks its self-signature; <paramref name="name"/> says which
        /// request in errors (a file name, "the request").
        /// </summary>
        public static SigningRequest Read(ReadOnlySpan<byte> data, string name)
        {
            var der = data.ToArray();
            var text = Encoding.ASCII.GetString(der);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                return Parse(text, name);
            }

            return Parse(der, name);
        }

        /// <summary>Reads a PEM request ("-----BEGIN CERTIFICATE REQUEST-----", or NEW CERTIFICATE REQUEST) and checks it.</summary>
        public static SigningRequest Parse(string pem, string name)
        {
            ArgumentNullException.ThrowIfNull(pem);
            foreach (var label in new[] { "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST" })
            {
                var begin = pem.IndexOf($"-----BEGIN {label}-----", StringComparison.Ordinal);
                if (begin < 0)
                {
                    continue;
                }

                if (PemEncoding.TryFind(pem.AsSpan(begin), out var fields))
                {
                    var body = pem.AsSpan(begin)[fields.Base64Data];
                    return Parse(Convert.FromBase64String(body.ToString()), name);
                }
            }

            throw Invalid(name, "it holds no PEM block 'CERTIFICATE REQUEST'", null);
        }

        /// <summary>Reads a DER request and checks its self-signature.</summary>
        public static SigningRequest Parse(byte[] der, string name)
        {
            ArgumentNullException.ThrowIfNull(der);
            Pkcs10CertificationRequest request;
            try
            {
                request = new Pkcs10CertificationRequest(der);
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException or System.IO.IOException or InvalidOperationException)
            {
                throw Invalid(name, "it is not a PKCS#10 request", e);
            }

            bool signed;
            try
            {
                signed = request.Verify();
            }
            catch (Exception e) when (e is Org.BouncyCastle.Security.SecurityUtilityException or InvalidOperationException or ArgumentException
                                          or Org.BouncyCastle.Crypto.CryptoException)
            {
                throw Invalid(name, $"its signature cannot be checked ({e.Message})", e);
            }

            if (!signed)
            {
                throw Invalid(name, "its self-signature does not verify with its own public key, so it was altered or not made by the key's holder", null);
            }

            var info = request.GetCertificationRequestInfo();
            var spki = info.SubjectPublicKeyInfo.GetDerEncoded();
            var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(spki, out _);
            var algorithm = publicKey.Oid.Value switch
            {
                KeyAlgorithms.RsaOid => KeyAlgorithmKind.Rsa,
                KeyAlgorithms.EcOid => KeyAlgorithmKind.Ec,
                KeyAlgorithms.Ed25519Oid => KeyAlgorithmKind.Ed25519,
                KeyAlgorithms.X25519Oid => KeyAlgorithmKind.X25519,
                _ => KeyAlgorithmKind.Unknown,
            };
            var key = request.GetPublicKey();
            var size = key switch
            {
                RsaKeyParameters rsa => rsa.Modulus.BitLength,
                ECPublicKeyParameters ec => ec.Parameters.Curve.FieldSize,
                Ed25519PublicKeyParameters or X25519PublicKeyParameters => 256,
                _ => 0,
            };
            return new SigningRequest(new X500DistinguishedName(info.Subject.GetDerEncoded()), publicKey, algorithm, size, EmailsOf(request), der);
        }

        private static List<string> EmailsOf(Pkcs10CertificationRequest request)
        {
            var extensions = request.GetRequestedExtensions();
            var san = extensions?.GetExtension(X509Extensions.SubjectAlternativeName);
            if (san == null)
            {
                return new List<string>();
            }

            return GeneralNames.GetInstance(san.GetParsedValue()).GetNames()
                .Where(n => n.TagNo == GeneralName.Rfc822Name)
                .Select(n => n.Name.ToString()!)
                .ToList();
        }

        private static SmimeException Invalid(string name, string why, Exception? inner) =>
            new(ErrorIds.InvalidCertificateRequest, SmimeErrorKind.InvalidData,
                $"The certificate request {name} cannot be used: {why}.",
                "Give the PKCS#10 request as New-SmimeCertificateRequest or openssl req wrote it (PEM text, or a .csr/.pem/.der file).", name, inner);
    }
}
