using System.Management.Automation;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>
    /// The file cmdlets that take messages apart: the limits hostile input may not push them past (nesting, expansion
    /// of compressed layers, certificates per signed layer), declared once. A limit not given keeps the engine's default.
    /// </summary>
    public abstract class InputLimitCmdlet : FileCmdlet
    {
        /// <summary>Most MIME levels and protection layers a message may nest (16 by default).</summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int MaximumNestingDepth { get; set; }

        /// <summary>Most bytes one compressed layer may expand to (1 GiB by default).</summary>
        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long MaximumDecompressedSize { get; set; }

        /// <summary>Most bytes out per byte in of a compressed layer past its first MiB (100 by default).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaximumCompressionRatio { get; set; }

        /// <summary>Most certificates one signed layer may carry (100 by default).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaximumCertificateCount { get; set; }

        /// <summary>The engine's limits with those given to this cmdlet.</summary>
        protected InputLimits Limits => WithLimits(InputLimits.Default);

        /// <summary><see cref="Limits"/>, for the request builders beside the cmdlets.</summary>
        internal InputLimits InputLimits => Limits;

        /// <summary><paramref name="limits"/> with the message limits given to this cmdlet.</summary>
        protected InputLimits WithLimits(InputLimits limits)
        {
            var bound = MyInvocation.BoundParameters;
            return limits with
            {
                MaximumNestingDepth = bound.ContainsKey(nameof(MaximumNestingDepth)) ? MaximumNestingDepth : limits.MaximumNestingDepth,
                MaximumDecompressedSize = bound.ContainsKey(nameof(MaximumDecompressedSize)) ? MaximumDecompressedSize : limits.MaximumDecompressedSize,
                MaximumCompressionRatio = bound.ContainsKey(nameof(MaximumCompressionRatio)) ? MaximumCompressionRatio : limits.MaximumCompressionRatio,
                MaximumCertificateCount = bound.ContainsKey(nameof(MaximumCertificateCount)) ? MaximumCertificateCount : limits.MaximumCertificateCount,
            };
        }
    }
}
