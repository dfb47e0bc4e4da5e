namespace SmimeTools.Engine.Policy
{
    /// <summary>The key pairs a token is asked to generate for enrolment.</summary>
    public enum TokenKeyType
    {
        Rsa2048,
        Rsa3072,
        Rsa4096,
        P256,
        P384,
    }
}
