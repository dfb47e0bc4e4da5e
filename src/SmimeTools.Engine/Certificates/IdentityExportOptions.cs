using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>How <see cref="IdentityExporter"/> writes identities.</summary>
    public sealed class IdentityExportOptions
    {
        public Pkcs12Protection Protection { get; set; } = Pkcs12Protection.Aes256Sha256;

        /// <summary>Add the intermediate CA certificates after the identity's own (never the root: trust is each reader's choice).</summary>
        public bool IncludeChain { get; set; }

        /// <summary>Look for intermediates in the CurrentUser and LocalMachine CA stores too, not only among the certificates read with the identity.</summary>
        public bool SearchStoresForChain { get; set; }

        /// <summary>More certificates to find intermediates among.</summary>
        public IList<X509Certificate2> ChainCandidates { get; } = new List<X509Certificate2>();

        /// <summary>Replace files that exist.</summary>
        public bool Overwrite { get; set; }

        /// <summary>Write the certificate alone, without its key.</summary>
        public bool PublicOnly { get; set; }

        /// <summary>With <see cref="PublicOnly"/>: PEM text instead of DER.</summary>
        public bool Pem { get; set; }

        /// <summary>PBKDF2 and MAC iterations of PKCS#12 files, 1 to <see cref="Pkcs12Writer.MaxIterations"/>.</summary>
        public int Iterations { get; set; } = Pkcs12Writer.DefaultIterations;
    }
}
