namespace SmimeTools.Engine.Keys
{
    /// <summary>Where the private key of a certificate lives.</summary>
    public enum KeyLocation
    {
        /// <summary>No private key is known for the certificate.</summary>
        None,
        /// <summary>The key came from a file (PKCS#12, PEM).</summary>
        File,
        /// <summary>The key is held by a certificate store.</summary>
        Store,
        /// <summary>The key is on a PKCS#11 token and never leaves it.</summary>
        Token,
    }
}
