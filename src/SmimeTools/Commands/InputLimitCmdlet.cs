using System.Management.Automation;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>
    /// The file cmdlets that read messages: the limits hostile input may not push them past, declared once. Nesting and
    /// MIME parts bound every message read; the limits of what a protection layer holds (expansion of a compressed layer,
    /// certificates of a signed one) are offered only by the cmdlets that open layers (<see cref="OpensLayers"/>), so that
    /// no cmdlet shows a parameter that does nothing. A limit not given keeps the engine's default.
    /// </summary>
    public abstract class InputLimitCmdlet : FileCmdlet, IDynamicParameters
    {
        private LayerLimitParameters? _layerLimits;

        /// <summary>Most MIME levels and protection layers a message may nest (16 by default).</summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int MaximumNestingDepth { get; set; }

        /// <summary>Most MIME entities a message, or the content of one of its layers, may hold (10,000 by default).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaximumPartCount { get; set; }

        /// <summary>False for a cmdlet that wraps messages and never opens their layers: it has no layer limits to offer.</summary>
        protected virtual bool OpensLayers => true;

        /// <summary>The engine's limits with those given to this cmdlet.</summary>
        protected InputLimits Limits => WithLimits(InputLimits.Default);

        /// <summary><see cref="Limits"/>, for the request builders beside the cmdlets.</summary>
        internal InputLimits InputLimits => Limits;

        /// <summary>The layer limits, for the cmdlets that open layers; none for the others.</summary>
        public object? GetDynamicParameters() => OpensLayers ? _layerLimits ??= new LayerLimitParameters() : null;

        /// <summary><paramref name="limits"/> with the message limits given to this cmdlet.</summary>
        protected InputLimits WithLimits(InputLimits limits)
        {
            var bound = MyInvocation.BoundParameters;
            limits = limits with
            {
                MaximumNestingDepth = bound.ContainsKey(nameof(MaximumNestingDepth)) ? MaximumNestingDepth : limits.MaximumNestingDepth,
                MaximumPartCount = bound.ContainsKey(nameof(MaximumPartCount)) ? MaximumPartCount : limits.MaximumPartCount,
            };
            return _layerLimits == null ? limits : _layerLimits.Apply(limits, bound);
        }
    }

    /// <summary>The limits of what one protection layer may hold, as parameters of the cmdlets that open layers.</summary>
    public sealed class LayerLimitParameters
    {
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

        internal InputLimits Apply(InputLimits limits, System.Collections.Generic.Dictionary<string, object> bound) => limits with
        {
            MaximumDecompressedSize = bound.ContainsKey(nameof(MaximumDecompressedSize)) ? MaximumDecompressedSize : limits.MaximumDecompressedSize,
            MaximumCompressionRatio = bound.ContainsKey(nameof(MaximumCompressionRatio)) ? MaximumCompressionRatio : limits.MaximumCompressionRatio,
            MaximumCertificateCount = bound.ContainsKey(nameof(MaximumCertificateCount)) ? MaximumCertificateCount : limits.MaximumCertificateCount,
        };
    }
}
