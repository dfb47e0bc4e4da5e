namespace SmimeTools.Engine.Cms
{
    /// <summary>The content type of a CMS ContentInfo, as far as S/MIME cares.</summary>
    public enum CmsContentKind
    {
        /// <summary>Not CMS, or a content type S/MIME does not use.</summary>
        Unknown,
        SignedData,
        EnvelopedData,
        AuthEnvelopedData,
        CompressedData,
        Data,
    }
}
