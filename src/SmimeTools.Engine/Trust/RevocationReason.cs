namespace SmimeTools.Engine.Trust
{
    /// <summary>CRLReason (RFC 5280 §5.3.1), with the same numbers.</summary>
    public enum RevocationReason
    {
        Unspecified = 0,
        KeyCompromise = 1,
        CaCompromise = 2,
        AffiliationChanged = 3,
        Superseded = 4,
        CessationOfOperation = 5,
        CertificateHold = 6,
        RemoveFromCrl = 8,
        PrivilegeWithdrawn = 9,
        AaCompromise = 10,
    }
}
