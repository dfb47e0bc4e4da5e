using System;

namespace SmimeTools.Engine
{
    /// <summary>
    /// How much work and memory hostile input may make the engine spend: nesting, decompression, certificates and CRLs
    /// per message, path building, directory replies and the key derivations of a PKCS#12 file. Every use case takes one of these; each limit, when exceeded,
    /// fails the item with its own error ID, and the cmdlet parameter of the same name raises it.
    /// </summary>
    public sealed record InputLimits
    {
        /// <summary>The default of <see cref="MaximumNestingDepth"/>, for parsers that take only a depth.</summary>
        public const int DefaultNestingDepth = 16;

        /// <summary>The limits used when none are given.</summary>
        public static InputLimits Default { get; } = new();

        /// <summary>Most MIME levels and protection layers a message nests (no real mail client nests more than a handful).</summary>
        public int MaximumNestingDepth { get; init; } = DefaultNestingDepth;

        /// <summary>
        /// Most MIME entities (parts, multiparts, attached messages) one message, or the content of one of its protection
        /// layers, holds: MimeKit builds an object for each, so a flood of empty parts would otherwise choose the memory
        /// taken. A digest of a few hundred messages has a few thousand.
        /// </summary>
        public int MaximumPartCount { get; init; } = 10_000;

        /// <summary>Most bytes one CompressedData layer expands to (1 GiB: larger than any mail server accepts).</summary>
        public long MaximumDecompressedSize { get; init; } = 1L << 30;

        /// <summary>Most bytes out per byte in of CompressedData once past 1 MiB (mail compresses 3-10 times; a zlib bomb 1000).</summary>
        public int MaximumCompressionRatio { get; init; } = 100;

        /// <summary>Most certificates one signed layer carries (a signer's chains need a few; 100 is many times that).</summary>
        public int MaximumCertificateCount { get; init; } = 100;

        /// <summary>Largest CRL read, in bytes, from a file, a message or the network (32 MiB: above the largest public CRLs).</summary>
        public long MaximumCrlSize { get; init; } = 32L << 20;

        /// <summary>Most CRLs one validation reads from files, folders, the message and the network (a CA hierarchy needs a few).</summary>
        public int MaximumCrlCount { get; init; } = 256;

        /// <summary>Most certificates in a path below the trust anchor (real S/MIME paths have 2 to 4).</summary>
        public int MaximumPathLength { get; init; } = 16;

        /// <summary>Most candidate paths one validation builds and checks (cross-certified meshes need a handful).</summary>
        public int MaximumPathCandidates { get; init; } = 256;

        /// <summary>Largest single LDAP reply message, in bytes (an entry with its certificates is a few KiB; 8 MiB is generous).</summary>
        public int MaximumDirectoryReplySize { get; init; } = 8 << 20;

        /// <summary>Most bytes of all replies to one LDAP search (64 MiB: hundreds of entries with several certificates each).</summary>
        public long MaximumDirectoryResultSize { get; init; } = 64L << 20;

        /// <summary>
        /// Most PBKDF2, PKCS#12-KDF and MAC iterations one PKCS#12 file may have run, all its steps and password tries
        /// together; the count each step asks for is added before the step runs. Firefox and <c>openssl -iter 600000</c>
        /// write 600,000 per step and three steps (1,800,000); OpenSSL's default is 2,048, Windows' 2,000 or 10,000.
        /// </summary>
        public long MaximumPkcs12Iterations { get; init; } = 2_000_000;

        /// <summary>Checks that every limit is positive.</summary>
        /// <exception cref="ArgumentOutOfRangeException">When a limit is zero or negative.</exception>
        public InputLimits Validated()
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumNestingDepth);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumPartCount);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumDecompressedSize);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumCompressionRatio);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumCertificateCount);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumCrlSize);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumCrlCount);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumPathLength);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumPathCandidates);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumDirectoryReplySize);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumDirectoryResultSize);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaximumPkcs12Iterations);
            return this;
        }

        /// <summary>
        /// The error for a limit exceeded: what went past which limit, for which item, and the parameter that raises it
        /// (named as the property: -MaximumNestingDepth raises <see cref="MaximumNestingDepth"/>).
        /// </summary>
        public static SmimeException Exceeded(string errorId, string item, string what, string limitName, long limit, object? target = null) =>
            new(errorId, SmimeErrorKind.LimitsExceeded,
                $"{item}: {what}; the limit {limitName} is {limit}.",
                $"If the input is trusted, raise -{limitName} (now {limit}); otherwise treat it as hostile.", target ?? item);
    }
}
