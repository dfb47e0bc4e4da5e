using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Operations
{
    /// <summary>What an encryption update does to each message: which keys open it, who it is for afterwards, and how.</summary>
    public sealed record EncryptionUpdateOptions
    {
        /// <summary>The old keys; each is tried against every message.</summary>
        public IReadOnlyList<IKeyDecryptor> OldKeys { get; init; } = Array.Empty<IKeyDecryptor>();

        /// <summary>The new recipients (already checked as Protect checks recipients).</summary>
        public IReadOnlyList<X509Certificate2> Recipients { get; init; } = Array.Empty<X509Certificate2>();

        public EncryptionUpdateMode Mode { get; init; } = EncryptionUpdateMode.AddRecipient;

        /// <summary>Content encryption for <see cref="EncryptionUpdateMode.Reencrypt"/>.</summary>
        public ContentEncryptionAlgorithm ContentEncryption { get; init; } = AlgorithmPolicy.DefaultContentEncryption;

        public KeyEncryptionAlgorithm KeyEncryption { get; init; } = AlgorithmPolicy.DefaultKeyEncryption;

        /// <summary>Old recipients to leave out when re-encrypting (a retired key, a departed user).</summary>
        public IReadOnlyList<X509Certificate2> RemoveRecipients { get; init; } = Array.Empty<X509Certificate2>();

        /// <summary>Keys of the new recipients, when the job holds them: the rewritten message is then decrypted to check it.</summary>
        public IReadOnlyList<IKeyDecryptor> CheckKeys { get; init; } = Array.Empty<IKeyDecryptor>();

        /// <summary>Finds the certificate of an old recipient that re-encryption keeps (a store or directory lookup); may be null.</summary>
        public Func<Cms.EnvelopedRecipient, X509Certificate2?>? FindCertificate { get; init; }

        /// <summary>Allow new recipients with weak keys, or a weak cipher for re-encryption, as Protect-SmimeMessage -AllowWeakAlgorithm does.</summary>
        public bool AllowWeakAlgorithm { get; init; }

        /// <summary>Where opened layers and checks keep their scratch files.</summary>
        public string TemporaryFolder { get; init; } = System.IO.Path.GetTempPath();

        /// <summary>How deep layers may nest, how far compressed layers may expand, how many certificates a layer may carry.</summary>
        public InputLimits Limits { get; init; } = InputLimits.Default;
    }
}
