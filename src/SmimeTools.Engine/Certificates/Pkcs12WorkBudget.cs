namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// The key-derivation and MAC iterations one PKCS#12 file may still have run (<see cref="InputLimits.MaximumPkcs12Iterations"/>),
    /// shared by all its steps and password tries. Each step's count, read from its parameters, is taken before the
    /// step runs, so a file that asks for more is refused without doing the work it asks for.
    /// </summary>
    internal sealed class Pkcs12WorkBudget
    {
        /// <param name="path">The file, for the error.</param>
        /// <param name="limit">The most iterations in all.</param>
        /// <param name="kind">What the file is, as the error names it.</param>
        public Pkcs12WorkBudget(string path, long limit, string kind = "PKCS#12 file")
        {
            Path = path;
            Limit = limit;
            Kind = kind;
        }

        /// <summary>"PKCS#12 file", or "encrypted private key file" (PKCS#8, which asks for PBKDF2 iterations too).</summary>
        public string Kind { get; }

        /// <summary>The file, for the error.</summary>
        public string Path { get; }

        public long Limit { get; }

        /// <summary>Iterations run (or about to run) so far.</summary>
        public long Spent { get; private set; }

        /// <summary>Refuses the file when the steps visible before any decryption already ask for more than the limit; spends nothing.</summary>
        public void Foresee(long asked)
        {
            if (asked > Limit)
            {
                throw Exceeded(asked);
            }
        }

        /// <summary>Takes <paramref name="iterations"/> for the step about to run, or refuses the file when they would pass the limit.</summary>
        public void Spend(long iterations)
        {
            var total = Add(Spent, iterations);
            if (total > Limit)
            {
                throw Exceeded(total);
            }

            Spent = total;
        }

        /// <summary>A sum of counts that stops at <see cref="long.MaxValue"/> rather than wrapping round.</summary>
        public static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

        private SmimeException Exceeded(long asked) =>
            new(ErrorIds.TooManyPkcs12Iterations, SmimeErrorKind.LimitsExceeded,
                $"The {Kind} '{Path}' asks for {asked:N0} key-derivation and MAC iterations or more; the limit MaximumPkcs12Iterations is {Limit:N0}, and no step past it was run.",
                $"If the file is trusted, raise -MaximumPkcs12Iterations (now {Limit}) of Get-SmimeCertificate or Import-SmimeIdentity " +
                "(other cmdlets take the certificates Get-SmimeCertificate returns); otherwise treat the file as hostile.",
                Path);
    }
}
