namespace SmimeTools.Engine.Operations
{
    /// <summary>How an archive stores its messages.</summary>
    public enum ArchiveItemKind
    {
        /// <summary>One message in a file of its own (.eml, .p7m).</summary>
        MessageFile,

        /// <summary>One message of a Maildir folder, in cur/ or new/.</summary>
        MaildirMessage,

        /// <summary>An mbox file: many messages, each after a "From " line.</summary>
        Mbox,
    }
}
