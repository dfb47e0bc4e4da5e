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
        public const string DestinationExists = "DestinationExists";
        public const string WriteFailed = "WriteFailed";
        public const string NotSmimeMessage = "NotSmimeMessage";
        public const string WeakKey = "WeakKey";
        public const string WeakAlgorithm = "WeakAlgorithm";
        public const string KeyUsageNotPermitted = "KeyUsageNotPermitted";
        public const string CertificateExpired = "CertificateExpired";
        public const string CertificateNotYetValid = "CertificateNotYetValid";
        public const string NothingToDo = "NothingToDo";
        public const string UnexpectedError = "UnexpectedError";
        public const string NoMatchingCertificate = "NoMatchingCertificate";
        public const string AmbiguousCertificate = "AmbiguousCertificate";
        public const string MalformedMessage = "MalformedMessage";
        public const string UnsupportedAlgorithm = "UnsupportedAlgorithm";
        public const string DecryptionFailed = "DecryptionFailed";
        public const string NoDecryptionKey = "NoDecryptionKey";
        public const string InvalidStorePath = "InvalidStorePath";
        public const string StoreUnavailable = "StoreUnavailable";
        public const string KeyNotExportable = "KeyNotExportable";
        public const string InvalidFileNamePattern = "InvalidFileNamePattern";
        public const string UnreadableCrlFile = "UnreadableCrlFile";
        public const string UnsupportedDriveOperation = "UnsupportedDriveOperation";
        public const string NotSigned = "NotSigned";
        public const string Pkcs11ModuleNotFound = "Pkcs11ModuleNotFound";
        public const string Pkcs11ModuleFailed = "Pkcs11ModuleFailed";
        public const string TokenNotFound = "TokenNotFound";
        public const string TokenLoginFailed = "TokenLoginFailed";
        public const string TokenLocked = "TokenLocked";
        public const string TokenPinRequired = "TokenPinRequired";
        public const string TokenKeyNotFound = "TokenKeyNotFound";
        public const string TokenOperationFailed = "TokenOperationFailed";
        public const string InvalidPkcs11Uri = "InvalidPkcs11Uri";
        public const string InvalidDistinguishedName = "InvalidDistinguishedName";
        public const string InvalidDirectoryUri = "InvalidDirectoryUri";
        public const string DirectoryUnavailable = "DirectoryUnavailable";
        public const string DirectoryTimeout = "DirectoryTimeout";
        public const string DirectoryTlsFailed = "DirectoryTlsFailed";
        public const string DirectoryBindFailed = "DirectoryBindFailed";
        public const string DirectoryBindNotEncrypted = "DirectoryBindNotEncrypted";
        public const string DirectoryEntryNotFound = "DirectoryEntryNotFound";
        public const string DirectoryEntryWithoutCertificate = "DirectoryEntryWithoutCertificate";
        public const string DirectoryEntryAmbiguous = "DirectoryEntryAmbiguous";
        public const string DirectoryOperationFailed = "DirectoryOperationFailed";
        public const string NotEncrypted = "NotEncrypted";
        public const string SignatureOverEncryption = "SignatureOverEncryption";
        public const string RecipientCertificateUnknown = "RecipientCertificateUnknown";
        public const string RewriteCheckFailed = "RewriteCheckFailed";
        public const string InvalidMaildirName = "InvalidMaildirName";
        public const string MailboxLocked = "MailboxLocked";
        public const string MailboxLockFailed = "MailboxLockFailed";

        public const string InvalidPolicyOid = "InvalidPolicyOid";
        public const string UnauthenticatedContent = "UnauthenticatedContent";

        // Enrolment: bulk requests and their completion.
        public const string InvalidRequest = "InvalidRequest";
        public const string KeyGenerationFailed = "KeyGenerationFailed";
        public const string NoPendingRequest = "NoPendingRequest";
        public const string InvalidStateFile = "InvalidStateFile";
        public const string InstallFailed = "InstallFailed";
        // The local CA and its CRLs (New-SmimeCertificate, New-SmimeCrl).
        public const string InvalidCertificateRequest = "InvalidCertificateRequest";
        public const string IssuerNotCertificateAuthority = "IssuerNotCertificateAuthority";
        public const string InvalidValidityPeriod = "InvalidValidityPeriod";
        public const string NoEmailAddress = "NoEmailAddress";
        public const string NotIssuedByIssuer = "NotIssuedByIssuer";
        public const string InvalidSerialNumber = "InvalidSerialNumber";

        // Enrolment over SCEP (RFC 8894).
        public const string EnrolmentServerUnavailable = "EnrolmentServerUnavailable";
        public const string EnrolmentProtocolError = "EnrolmentProtocolError";
        public const string EnrolmentRejected = "EnrolmentRejected";
        public const string EnrolmentKeyMismatch = "EnrolmentKeyMismatch";

        // Resource limits (InputLimits): each names the limit; the parameter of the same name raises it.
        public const string NestingTooDeep = "NestingTooDeep";
        public const string TooManyParts = "TooManyParts";
        public const string DecompressedTooLarge = "DecompressedTooLarge";
        public const string CompressionRatioTooHigh = "CompressionRatioTooHigh";
        public const string TooManyCertificates = "TooManyCertificates";
        public const string CrlTooLarge = "CrlTooLarge";
        public const string TooManyCrls = "TooManyCrls";
        public const string PathTooLong = "PathTooLong";
        public const string TooManyPathCandidates = "TooManyPathCandidates";
        public const string DirectoryReplyTooLarge = "DirectoryReplyTooLarge";
        public const string DirectoryResultTooLarge = "DirectoryResultTooLarge";
        public const string TooManyPkcs12Iterations = "TooManyPkcs12Iterations";
    }
}
