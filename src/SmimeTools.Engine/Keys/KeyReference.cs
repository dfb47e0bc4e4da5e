using System;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// Where the private key of one certificate is: key material read from a file, a key .NET holds for the certificate
    /// object, or a key on a token. Sources put it on the entries they find; <see cref="PrivateKeys.Open"/> turns it into
    /// the key, and only when the key is used. The kinds are closed: a new place for keys is a new kind here.
    /// </summary>
    public abstract class KeyReference
    {
        private protected KeyReference(X509Certificate2 certificate)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
        }

        /// <summary>The certificate object the key belongs to.</summary>
        public X509Certificate2 Certificate { get; }

        public abstract KeyLocation Location { get; }
    }
}
