namespace SmimeTools.Engine.Enrolment.Scep
{
    /// <summary>Where a SCEP request stands: the CA's pkiStatus (RFC 8894 §3.2.1.3) as the user reads it.</summary>
    public enum ScepEnrolmentStatus
    {
        /// <summary>SUCCESS: the certificate is in the result.</summary>
        Issued,

        /// <summary>PENDING: the CA has not decided yet, also after polling for as long as allowed; submit again later.</summary>
        Pending,

        /// <summary>FAILURE: the CA refused the request; FailInfo says why.</summary>
        Failed,
    }
}
