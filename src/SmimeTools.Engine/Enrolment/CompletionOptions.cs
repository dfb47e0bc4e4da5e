using System;
using System.Collections.Generic;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>How <see cref="RequestCompleter"/> installs the certificates of pending requests.</summary>
    public sealed class CompletionOptions
    {
        /// <summary>The folder the PKCS#12 files of software keys go to, as &lt;address&gt;.p12.</summary>
        public string? OutFolder { get; set; }

        /// <summary>The password a software key file was encrypted under, for its entry.</summary>
        public Func<EnrolmentEntry, SecureString?>? KeyPassword { get; set; }

        /// <summary>The password of the PKCS#12 file of an identity, for its certificate.</summary>
        public Func<X509Certificate2, SecureString?>? Pkcs12Password { get; set; }

        public Pkcs12Protection Protection { get; set; } = Pkcs12Protection.Aes256Sha256;

        /// <summary>CA certificates to build the chain from, besides those that came with each certificate.</summary>
        public IList<X509Certificate2> Chain { get; } = new List<X509Certificate2>();

        /// <summary>Replace PKCS#12 files that exist.</summary>
        public bool Overwrite { get; set; }

        /// <summary>Whether keys put into a store may be exported again (Windows and macOS).</summary>
        public bool Exportable { get; set; }

        /// <summary>The writer of the token a token key is on, for its entry.</summary>
        public Func<EnrolmentEntry, TokenWriter>? Tokens { get; set; }

        /// <summary>Where installed certificates are published, or null.</summary>
        public DirectoryPublisher? Publisher { get; set; }
    }
}
