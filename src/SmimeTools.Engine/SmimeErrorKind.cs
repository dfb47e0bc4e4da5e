namespace SmimeTools.Engine
{
    /// <summary>What kind of failure an engine error is; the cmdlet layer maps it to a PowerShell error category.</summary>
    public enum SmimeErrorKind
    {
        NotSpecified,
        InvalidArgument,
        InvalidData,
        ObjectNotFound,
        AuthenticationError,
        SecurityError,
        ResourceUnavailable,
        ReadError,
        WriteError,
        InvalidOperation,
        OperationStopped,

        /// <summary>Input went past a resource limit (nesting, size, count) the user may raise.</summary>
        LimitsExceeded,
    }
}
