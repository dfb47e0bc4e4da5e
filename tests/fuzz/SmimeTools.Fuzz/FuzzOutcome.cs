using System;

namespace SmimeTools.Fuzz
{
    /// <summary>How one run of a target on one input ended: accepted, a typed error (its ErrorId), or an exception that is a finding.</summary>
    internal sealed record FuzzOutcome(string? ErrorId, Exception? Unexpected, TimeSpan Elapsed, long AllocatedBytes);
}
