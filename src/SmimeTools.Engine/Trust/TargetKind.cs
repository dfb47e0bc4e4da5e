namespace SmimeTools.Engine.Trust
{
    /// <summary>What the certificate at the end of a path is validated for.</summary>
    internal enum TargetKind
    {
        /// <summary>The certificate the caller asked about, checked for <see cref="ValidationOptions.Purpose"/>.</summary>
        EndEntity,

        /// <summary>The issuer of a CRL: its key usage must allow cRLSign.</summary>
        CrlSigner,
    }
}
