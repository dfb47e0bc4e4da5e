using System;
using System.Collections.Generic;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Trust;

namespace SmimeTools.Engine.Operations
{
    /// <summary>What <see cref="SignatureVerifier"/> needs besides the message: trust settings and keys for encrypted layers.</summary>
    public sealed class SignatureVerifyOptions
    {
        /// <summary>Trust anchors, extra certificates, CRLs, validation time, revocation mode and policy inputs.</summary>
        public ValidationOptions Validation { get; init; } = new() { UseSystemTrustStore = true, UseUserTrustStore = true };

        /// <summary>
        /// Chains already validated with these options: the messages of one pipeline (one options object) from one signer
        /// share one validation.
        /// </summary>
        public ValidationCache Validations { get; init; } = new();

        /// <summary>Keys to open encrypted layers with; without them, signatures inside encrypted layers are not reached.</summary>
        public IReadOnlyList<IKeyDecryptor> Keys { get; init; } = Array.Empty<IKeyDecryptor>();

        /// <summary>How deep layers may nest, how far compressed layers may expand, how many certificates a layer may carry (trust limits are <c>Validation.Limits</c>).</summary>
        public InputLimits Limits { get; init; } = InputLimits.Default;

        /// <summary>Where the content of opened layers is kept while it is checked; the system's temporary folder by default.</summary>
        public string TemporaryFolder { get; init; } = System.IO.Path.GetTempPath();
    }
}
