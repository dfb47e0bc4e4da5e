namespace SmimeTools.Engine.Operations
{
    /// <summary>One thing an encryption update works on: a message file, a message of a Maildir folder, or a whole mbox file.</summary>
    public sealed record ArchiveItem(string Path, ArchiveItemKind Kind, long Length)
    {
        /// <summary>For a Maildir message: the Maildir folder (the one holding cur/, new/ and tmp/).</summary>
        public string? Maildir { get; init; }
    }
}
