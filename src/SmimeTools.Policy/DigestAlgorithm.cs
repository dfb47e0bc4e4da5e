namespace SmimeTools.Engine.Policy
{
    /// <summary>Message digests used in signatures.</summary>
    public enum DigestAlgorithm
    {
        Sha256,
        Sha384,
        Sha512,
        Sha224,
        /// <summary>Weak: accepted only with an explicit opt-in when creating, read and flagged when verifying.</summary>
        Sha1,
        /// <summary>Weak: accepted only with an explicit opt-in when creating, read and flagged when verifying.</summary>
        Md5,
    }
}
