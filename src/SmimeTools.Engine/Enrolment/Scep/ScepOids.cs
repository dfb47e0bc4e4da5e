namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>The attribute OIDs of SCEP messages (RFC 8894 §3.2.1, the VeriSign arc) and of PKCS#10 (RFC 2985).</summary>
    internal static class ScepOids
    {
        public const string MessageType = "2.16.840.1.113733.1.9.2";
        public const string PkiStatus = "2.16.840.1.113733.1.9.3";
        public const string FailInfo = "2.16.840.1.113733.1.9.4";
        public const string SenderNonce = "2.16.840.1.113733.1.9.5";
        public const string RecipientNonce = "2.16.840.1.113733.1.9.6";
        public const string TransactionId = "2.16.840.1.113733.1.9.7";

        /// <summary>id-scep-failInfoText (RFC 8894 §3.2.1.4): the CA's reason as UTF8String.</summary>
        public const string FailInfoText = "1.3.6.1.5.5.7.24.1";

        /// <summary>PKCS#9 challengePassword, carried in the certification request's attributes.</summary>
        public const string ChallengePassword = "1.2.840.113549.1.9.7";
    }
}
