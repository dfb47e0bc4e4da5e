namespace SmimeTools.Commands
{
    /// <summary>Parameter-set names shared by the cmdlets.</summary>
    internal static class ParameterSets
    {
        public const string Path = "Path";
        public const string LiteralPath = "LiteralPath";
        public const string InputObject = "InputObject";
        public const string Store = "Store";
        public const string Certificate = "Certificate";
    }
}
