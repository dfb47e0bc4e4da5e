namespace SmimeTools.Engine.Certificates
{
    /// <summary>What publishing a certificate did to the directory entry.</summary>
    public enum DirectoryPublishAction
    {
        /// <summary>The certificate was added beside the entry's other certificates.</summary>
        Added,
        /// <summary>The certificate replaced every certificate the entry had.</summary>
        Replaced,
        /// <summary>The entry had the certificate already; nothing was changed.</summary>
        AlreadyPresent,
    }
}
