namespace SmimeTools.Engine.Enrolment
{
    /// <summary>Where the key of a pending request waits for its certificate.</summary>
    public enum PendingKeyLocation
    {
        /// <summary>An encrypted PKCS#8 PEM file (PBES2, AES-256, PBKDF2-SHA256).</summary>
        File,

        /// <summary>The user's certificate store, under a stand-in certificate in the REQUEST store.</summary>
        Store,

        /// <summary>A PKCS#11 token.</summary>
        Token,
    }
}
