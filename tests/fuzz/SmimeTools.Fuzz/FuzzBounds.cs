using System;
using System.Diagnostics;

namespace SmimeTools.Fuzz
{
    /// <summary>
    /// What one input may cost, and the check that it did not: more than <see cref="MaxElapsed"/> or
    /// <see cref="MaxAllocatedBytes"/> for an input of at most <see cref="MaxInputBytes"/> is a finding.
    /// </summary>
    internal static class FuzzBounds
    {
        public const int MaxInputBytes = 64 * 1024;

        public const long MaxAllocatedBytes = 64L * 1024 * 1024;

        public static readonly TimeSpan MaxElapsed = TimeSpan.FromSeconds(1);

        /// <summary>Runs the target once and measures it; a slow run is repeated once, so a JIT warm-up or a busy machine is not a finding.</summary>
        public static FuzzOutcome Measure(FuzzTarget target, byte[] input)
        {
            if (input.Length > MaxInputBytes)
            {
                input = input.AsSpan(0, MaxInputBytes).ToArray();
            }

            var outcome = MeasureOnce(target, input);
            if (outcome.Elapsed > MaxElapsed)
            {
                var again = MeasureOnce(target, input);
                outcome = again with { Elapsed = again.Elapsed < outcome.Elapsed ? again.Elapsed : outcome.Elapsed };
            }

            return outcome;
        }

        /// <summary>Throws <see cref="FuzzFindingException"/> when the outcome breaks a bound; AFL records the input as a crash.</summary>
        public static void Enforce(FuzzOutcome outcome, string target, int inputLength)
        {
            if (outcome.Unexpected != null)
            {
                throw new FuzzFindingException($"{target}: an exception that is not a typed engine error: {outcome.Unexpected}", outcome.Unexpected);
            }

            if (outcome.AllocatedBytes > MaxAllocatedBytes)
            {
                throw new FuzzFindingException($"{target}: {outcome.AllocatedBytes:N0} bytes allocated for an input of {inputLength:N0} bytes (limit {MaxAllocatedBytes:N0}).");
            }

            if (outcome.Elapsed > MaxElapsed)
            {
                throw new FuzzFindingException($"{target}: {outcome.Elapsed.TotalMilliseconds:N0} ms for an input of {inputLength:N0} bytes (limit {MaxElapsed.TotalMilliseconds:N0} ms).");
            }
        }

        private static FuzzOutcome MeasureOnce(FuzzTarget target, byte[] input)
        {
            // Every thread counts: the LDAP target's server side runs on another one.
            long before = GC.GetTotalAllocatedBytes(precise: false);
            var clock = Stopwatch.StartNew();
            string? errorId = null;
            Exception? unexpected = null;
            try
            {
                target.Run(input);
            }
            catch (Engine.SmimeException e)
            {
                errorId = e.ErrorId;
            }
            catch (Exception e)
            {
                unexpected = e;
            }

            clock.Stop();
            long allocated = GC.GetTotalAllocatedBytes(precise: false) - before;
            return new FuzzOutcome(errorId, unexpected, clock.Elapsed, allocated);
        }
    }
}
