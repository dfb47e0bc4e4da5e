using System;
using System.Security;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>What one user is asking for: a row of the batch.</summary>
    public sealed class RequestSpecification
    {
        /// <summary>The subject as a distinguished name; when absent it is built from <see cref="CommonName"/> and the first address.</summary>
        public string? Subject { get; set; }

        public string? CommonName { get; set; }

        public string[] Emails { get; set; } = Array.Empty<string>();

        public TokenKeyType KeyType { get; set; } = TokenKeyType.Rsa2048;

        public RequestUsage Usage { get; set; } = RequestUsage.Combined;

        public PendingKeyLocation Location { get; set; } = PendingKeyLocation.File;

        /// <summary>The folder software keys are written to (File).</summary>
        public string? KeyFolder { get; set; }

        /// <summary>The password the software key is encrypted under (File).</summary>
        public SecureString? KeyPassword { get; set; }

        /// <summary>The store the identity is to go to (Store); its key waits in that location's REQUEST store.</summary>
        public CertificateStorePath? Store { get; set; }

        /// <summary>The token (label or serial number) of token keys, when the library has several.</summary>
        public string? Token { get; set; }

        /// <summary>CKA_LABEL of token keys; the common name by default.</summary>
        public string? Label { get; set; }

        /// <summary>A folder to write each request to as &lt;address&gt;[-signing|-encryption].csr.</summary>
        public string? RequestFolder { get; set; }

        /// <summary>One file to write the request to (a single request only).</summary>
        public string? RequestFile { get; set; }

        /// <summary>Replace request files that exist.</summary>
        public bool Overwrite { get; set; }
    }
}
