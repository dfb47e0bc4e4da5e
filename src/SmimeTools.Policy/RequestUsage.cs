namespace SmimeTools.Engine.Policy
{
    /// <summary>How many key pairs enrolment makes per user: one that signs and decrypts, or one for each.</summary>
    public enum RequestUsage
    {
        /// <summary>One key pair and one request, for signing and encryption.</summary>
        Combined,

        /// <summary>Two key pairs and two requests: one for signing, one for encryption.</summary>
        Separate,
    }
}
