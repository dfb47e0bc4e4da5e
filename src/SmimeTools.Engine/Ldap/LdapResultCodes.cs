namespace SmimeTools.Engine.Ldap
{
    /// <summary>Names of the LDAP result codes (RFC 4511 Appendix A) that messages mention.</summary>
    internal static class LdapResultCodes
    {
        public static string Name(int code) => code switch
        {
            0 => "success",
            1 => "operationsError",
            2 => "protocolError",
            3 => "timeLimitExceeded",
            4 => "sizeLimitExceeded",
            7 => "authMethodNotSupported",
            8 => "strongerAuthRequired",
            10 => "referral",
            11 => "adminLimitExceeded",
            12 => "unavailableCriticalExtension",
            13 => "confidentialityRequired",
            16 => "noSuchAttribute",
            17 => "undefinedAttributeType",
            20 => "attributeOrValueExists",
            21 => "invalidAttributeSyntax",
            32 => "noSuchObject",
            34 => "invalidDNSyntax",
            48 => "inappropriateAuthentication",
            49 => "invalidCredentials",
            50 => "insufficientAccessRights",
            51 => "busy",
            52 => "unavailable",
            53 => "unwillingToPerform",
            65 => "objectClassViolation",
            _ => "other",
        };
    }
}
