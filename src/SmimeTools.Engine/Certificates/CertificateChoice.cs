using System;
using System.Collections.Generic;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>The certificate chosen for an address and a use, and why it was chosen over the others (for -Verbose).</summary>
    public sealed class CertificateChoice
    {
        public CertificateChoice(string address, CertificateUsage usage, CertificateEntry chosen, IReadOnlyList<string> reasons)
        {
            Address = address ?? throw new ArgumentNullException(nameof(address));
            Usage = usage;
            Chosen = chosen ?? throw new ArgumentNullException(nameof(chosen));
            Reasons = reasons ?? throw new ArgumentNullException(nameof(reasons));
        }

        /// <summary>The address the certificate was chosen for, as it was given.</summary>
        public string Address { get; }

        public CertificateUsage Usage { get; }

        public CertificateEntry Chosen { get; }

        /// <summary>One sentence per step: what was searched, each candidate rejected and why, and why the winner won.</summary>
        public IReadOnlyList<string> Reasons { get; }
    }
}
