using Org.BouncyCastle.Crypto;

namespace SmimeTools.TestPki
{
    /// <summary>A freshly generated key pair with the names the manifest uses for it.</summary>
    internal sealed class GeneratedKey
    {
        public GeneratedKey(AsymmetricCipherKeyPair pair, string algorithm, int bits)
        {
            Pair = pair;
            Algorithm = algorithm;
            Bits = bits;
        }

        public AsymmetricCipherKeyPair Pair { get; }

        public AsymmetricKeyParameter Public => Pair.Public;

        public AsymmetricKeyParameter Private => Pair.Private;

        /// <summary>"RSA", "ECDSA", "Ed25519" or "X25519".</summary>
        public string Algorithm { get; }

        public int Bits { get; }
    }
}
