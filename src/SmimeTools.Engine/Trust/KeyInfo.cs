using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using SmimeTools.Engine.Keys;
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
                if (IsRsa && RsaSignatures.TryVerify(_spkiDer, algorithm, data, signature, out bool valid))
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
    }
}
