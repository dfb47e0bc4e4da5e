using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Cms
{
    /// <summary>What <see cref="EnvelopedDataRewriter.Reencrypt(System.IO.Stream, System.IO.Stream, System.Collections.Generic.IReadOnlyList{SmimeTools.Engine.Keys.IKeyDecryptor}, EncryptionOptions, System.Threading.CancellationToken, System.Func{byte[], bool})"/> did: how the old message was opened, and what the new one is.</summary>
    public sealed class ReencryptionResult
    {
        internal ReencryptionResult(DecryptionResult original, ContentEncryptionAlgorithm contentAlgorithm, IReadOnlyList<X509Certificate2> recipients,
            byte[] plaintextDigest)
        {
            PlaintextDigest = plaintextDigest;
            Original = original;
            ContentAlgorithm = contentAlgorithm;
            Recipients = recipients;
        }

        /// <summary>The old message: which key opened it, its algorithm (and whether that was weak), its recipients.</summary>
        public DecryptionResult Original { get; }

        /// <summary>SHA-256 of the content as decrypted, to check the new message against.</summary>
        public byte[] PlaintextDigest { get; }

        /// <summary>The new content encryption, with a fresh key.</summary>
        public ContentEncryptionAlgorithm ContentAlgorithm { get; }

        /// <summary>True when the new message is AuthEnvelopedData.</summary>
        public bool IsAuthenticated => AlgorithmPolicy.IsAuthenticated(ContentAlgorithm);

        /// <summary>Everyone the new message is encrypted to; old recipients not among them can no longer open it.</summary>
        public IReadOnlyList<X509Certificate2> Recipients { get; }

        public override string ToString() =>
            $"{Original.ContentAlgorithmName} opened by {Original.Key.Certificate.Subject}, now {ContentAlgorithm} to {Recipients.Count} recipients";
    }
}
