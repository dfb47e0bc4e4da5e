using System;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// A private key that can sign. The CMS layer hands it only the DER of the signed attributes, so a key held
    /// in a file, a store or a token signs the same way, for messages of any size.
    /// </summary>
    public interface ISigningKey
    {
        X509Certificate2 Certificate { get; }

        KeyAlgorithmKind Algorithm { get; }

        /// <summary>True when several signatures may be made at once (software keys); tokens say false.</summary>
        bool CanSignInParallel { get; }

        /// <summary>
        /// Signs <paramref name="data"/>: RSA and ECDSA hash it with <paramref name="digest"/> first, Ed25519 signs it as it is.
        /// ECDSA signatures are returned DER-encoded (Ecdsa-Sig-Value), as CMS carries them.
        /// </summary>
        byte[] Sign(ReadOnlySpan<byte> data, DigestAlgorithm digest, SignatureAlgorithm algorithm);
    }
}
