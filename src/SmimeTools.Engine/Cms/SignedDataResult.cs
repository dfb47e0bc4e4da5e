using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Cms
{
    /// <summary>What <see cref="SignedDataReader"/> found in a SignedData: its signers, certificates and CRLs.</summary>
    public sealed class SignedDataResult
    {
        internal SignedDataResult()
        {
        }

        public int Version { get; init; }

        /// <summary>The eContentType (normally id-data).</summary>
        public required string ContentType { get; init; }

        /// <summary>True when the content came from outside (multipart/signed), false when it was inside the SignedData.</summary>
        public bool IsDetached { get; init; }

        /// <summary>Bytes of content read (and, for encapsulated data, written out).</summary>
        public long ContentLength { get; init; }

        /// <summary>The digestAlgorithms the SignedData announces.</summary>
        public IReadOnlyList<string> DigestAlgorithmOids { get; init; } = Array.Empty<string>();

        /// <summary>Every certificate embedded in the message, in its order (those .NET cannot parse are left out).</summary>
        public IReadOnlyList<X509Certificate2> Certificates { get; init; } = Array.Empty<X509Certificate2>();

        /// <summary>Every CRL embedded in the message, DER-encoded.</summary>
        public IReadOnlyList<byte[]> Crls { get; init; } = Array.Empty<byte[]>();

        public IReadOnlyList<SignerResult> Signers { get; init; } = Array.Empty<SignerResult>();

        /// <summary>True when a signer uses a weak digest or signature algorithm (MD5, SHA-1, DSA).</summary>
        public bool IsWeak => Signers.Any(s => s.IsWeakAlgorithm);

        /// <summary>The signers' digest algorithms by name, e.g. "SHA-256" or "SHA-256, SHA-512".</summary>
        public string DigestAlgorithmNames => string.Join(", ", Signers.Select(s => CmsOid.FriendlyName(s.DigestAlgorithmOid)).Distinct());

        /// <summary>True when there is at least one signer and every signer is valid.</summary>
        public bool AllSignersValid => Signers.Count > 0 && Signers.All(s => s.IsValid);
    }
}
