using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// A public key that verifies signatures on certificates, CRLs and OCSP answers. RSA (PKCS#1 v1.5, and PSS with the
    /// usual parameters) goes through .NET's RSA, which is fast and does not re-test the modulus for primality as
    /// BouncyCastle's RsaKeyParameters does (tens of milliseconds a key); DSA, EC, EdDSA and everything else through
    /// BouncyCastle. A DSA key without parameters inherits its issuer's (RFC 5280 §6.1.4 (e)).
    /// </summary>
    internal sealed class KeyInfo
    {
        private const string PssOid = "1.2.840.113549.1.1.10";

        private readonly byte[] _spkiDer;
        private readonly DsaParameters? _inherited;
        private AsymmetricKeyParameter? _bc;

        private KeyInfo(SubjectPublicKeyInfo info, DsaParameters? inherited)
        {
            Info = info;
            _inherited = inherited;
            _spkiDer = info.GetEncoded(Asn1Encodable.Der);
            AlgorithmOid = info.Algorithm.Algorithm.Id;
            Id = Convert.ToHexString(SHA256.HashData(_spkiDer)) + (inherited == null ? string.Empty : "+inherited");
            if (AlgorithmOid == AlgorithmOids.Rsa)
            {
                var sequence = Asn1Sequence.GetInstance(info.ParsePublicKey());
                RsaBits = DerInteger.GetInstance(sequence[0]).PositiveValue.BitLength;
                DerInteger.GetInstance(sequence[1]);
            }
            else
            {
                _bc = Bc;
            }
        }

        public SubjectPublicKeyInfo Info { get; }

        public string AlgorithmOid { get; }

        /// <summary>Identifies the key (SHA-256 of the SubjectPublicKeyInfo, marked when DSA parameters were inherited).</summary>
        public string Id { get; }

        public int? RsaBits { get; }

        public bool IsRsa => AlgorithmOid == AlgorithmOids.Rsa;

        /// <summary>A DSA key that needs its issuer's parameters before it can verify anything.</summary>
        public bool IsDsaWithoutParameters => AlgorithmOid == AlgorithmOids.Dsa && _inherited == null && Bc is DsaPublicKeyParameters { Parameters: null };

        /// <summary>The BouncyCastle form of the key (made on first use; for RSA slow, see the class remarks).</summary>
        public AsymmetricKeyParameter Bc
        {
            get
            {
                if (_bc == null)
                {
                    var key = PublicKeyFactory.CreateKey(Info);
                    if (_inherited != null && key is DsaPublicKeyParameters dsa)
                    {
                        key = new DsaPublicKeyParameters(dsa.Y, _inherited);
                    }

                    _bc = key;
                }

                return _bc;
            }
        }

        /// <summary>Decodes a SubjectPublicKeyInfo; null with the reason when it is damaged or of an unknown kind.</summary>
        public static KeyInfo? Create(SubjectPublicKeyInfo info, out string? problem)
        {
            try
            {
                problem = null;
                return new KeyInfo(info, null);
            }
            catch (Exception e) when (CertificateData.IsDecodingFailure(e))
            {
                problem = e.Message;
                return null;
            }
        }

        /// <summary>This key with the DSA parameters of <paramref name="issuer"/> when it has none of its own; otherwise itself.</summary>
        public KeyInfo InheritFrom(KeyInfo? issuer)
        {
            if (issuer != null && IsDsaWithoutParameters && issuer.Bc is DsaPublicKeyParameters { Parameters: not null } issuerDsa)
            {
                return new KeyInfo(Info, issuerDsa.Parameters);
            }

            return this;
        }

        /// <summary>True when <paramref name="signature"/> over <paramref name="data"/> verifies with this key under <paramref name="algorithm"/>.</summary>
        public bool Verify(AlgorithmIdentifier algorithm, byte[] data, byte[] signature)
        {
            try
            {
                if (IsRsa && TryVerifyWithDotNet(algorithm, data, signature, out bool valid))
                {
                    return valid;
                }

                var factory = new Asn1VerifierFactory(algorithm, Bc);
                var calculator = factory.CreateCalculator();
                using (var stream = calculator.Stream)
                {
                    stream.Write(data, 0, data.Length);
                }

                return calculator.GetResult().IsVerified(signature);
            }
            catch (Exception e) when (CertificateData.IsDecodingFailure(e) || e is InvalidKeyException || e is SignatureException)
            {
                return false;
            }
        }

        private bool TryVerifyWithDotNet(AlgorithmIdentifier algorithm, byte[] data, byte[] signature, out bool valid)
        {
            valid = false;
            HashAlgorithmName hash;
            RSASignaturePadding padding = RSASignaturePadding.Pkcs1;
            switch (algorithm.Algorithm.Id)
            {
                case "1.2.840.113549.1.1.5":
                case "1.3.14.3.2.29":
                    hash = HashAlgorithmName.SHA1;
                    break;
                case "1.2.840.113549.1.1.11":
                    hash = HashAlgorithmName.SHA256;
                    break;
                case "1.2.840.113549.1.1.12":
                    hash = HashAlgorithmName.SHA384;
                    break;
                case "1.2.840.113549.1.1.13":
                    hash = HashAlgorithmName.SHA512;
                    break;
                case PssOid:
                    if (!TryReadPss(algorithm, out hash))
                    {
                        return false;
                    }

                    padding = RSASignaturePadding.Pss;
                    break;
                default:
                    return false;
            }

            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(_spkiDer, out _);
            valid = rsa.VerifyData(data, signature, hash, padding);
            return true;
        }

        /// <summary>PSS that .NET verifies: MGF1 with the same hash, salt as long as the hash, trailer 1.</summary>
        private static bool TryReadPss(AlgorithmIdentifier algorithm, out HashAlgorithmName hash)
        {
            hash = default;
            var parameters = Org.BouncyCastle.Asn1.Pkcs.RsassaPssParameters.GetInstance(algorithm.Parameters);
            string hashOid = parameters.HashAlgorithm.Algorithm.Id;
            (hash, int length) = hashOid switch
            {
                AlgorithmOids.Sha1 => (HashAlgorithmName.SHA1, 20),
                AlgorithmOids.Sha256 => (HashAlgorithmName.SHA256, 32),
                AlgorithmOids.Sha384 => (HashAlgorithmName.SHA384, 48),
                AlgorithmOids.Sha512 => (HashAlgorithmName.SHA512, 64),
                _ => (default(HashAlgorithmName), 0),
            };
            if (length == 0 || parameters.SaltLength.IntValueExact != length || parameters.TrailerField.IntValueExact != 1
                || parameters.MaskGenAlgorithm.Algorithm.Id != "1.2.840.113549.1.1.8")
            {
                return false;
            }

            var mgfHash = AlgorithmIdentifier.GetInstance(parameters.MaskGenAlgorithm.Parameters);
            return mgfHash.Algorithm.Id == hashOid;
        }

        /// <summary>Whether two AlgorithmIdentifiers are the same (absent and NULL parameters count as equal).</summary>
        public static bool SameAlgorithm(AlgorithmIdentifier a, AlgorithmIdentifier b)
        {
            if (!a.Algorithm.Equals(b.Algorithm))
            {
                return false;
            }

            bool aEmpty = a.Parameters == null || a.Parameters is DerNull;
            bool bEmpty = b.Parameters == null || b.Parameters is DerNull;
            if (aEmpty || bEmpty)
            {
                return aEmpty && bEmpty;
            }

            return a.Parameters!.ToAsn1Object().Equals(b.Parameters!.ToAsn1Object());
        }
    }
}
