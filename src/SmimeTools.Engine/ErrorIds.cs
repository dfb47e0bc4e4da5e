namespace SmimeTools.Engine
{
    /// <summary>
    /// Stable error identifiers. Scripts and tests match on these, so a value never changes once released;
    /// every one is documented in about_SmimeTools.
    /// </summary>
    public static class ErrorIds
    {
        public const string BadPassword = "BadPassword";
        public const string UnreadableCertificateFile = "UnreadableCertificateFile";
        public const string PathNotFound = "PathNotFound";
        public const string NotFileSystemPath = "NotFileSystemPath";
        public const string NoCertificateInFile = "NoCertificateInFile";
        public const string NoPrivateKey = "NoPrivateKey";
        public const string UnsupportedKey = "UnsupportedKey";
    }
}
