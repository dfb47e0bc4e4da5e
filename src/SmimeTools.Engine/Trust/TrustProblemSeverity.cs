namespace SmimeTools.Engine.Trust
{
    /// <summary>Whether a <see cref="TrustProblem"/> makes the path invalid.</summary>
    public enum TrustProblemSeverity
    {
        /// <summary>The path is not valid.</summary>
        Error,

        /// <summary>Reported for the reader (a weak but accepted algorithm, a CRL that could not be used); the path may still be valid.</summary>
        Warning,
    }
}
