namespace SmimeTools.Engine.Operations
{
    /// <summary>A protection layer of a message.</summary>
    public enum LayerKind
    {
        Enveloped,
        AuthEnveloped,
        OpaqueSigned,
        DetachedSigned,
        Compressed,
    }
}
