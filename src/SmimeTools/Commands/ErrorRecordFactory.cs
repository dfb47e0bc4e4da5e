using System.Management.Automation;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>Turns engine failures into PowerShell error records with the engine's stable ErrorId.</summary>
    internal static class ErrorRecordFactory
    {
        public static ErrorRecord From(SmimeException exception, object? target)
        {
            var record = new ErrorRecord(exception, exception.ErrorId, Category(exception.Kind), target ?? exception.Target);
            if (exception.RecommendedAction != null)
            {
                record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = exception.RecommendedAction };
            }

            return record;
        }

        private static ErrorCategory Category(SmimeErrorKind kind) => kind switch
        {
            SmimeErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
            SmimeErrorKind.InvalidData => ErrorCategory.InvalidData,
            SmimeErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
            SmimeErrorKind.AuthenticationError => ErrorCategory.AuthenticationError,
            SmimeErrorKind.SecurityError => ErrorCategory.SecurityError,
            SmimeErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
            SmimeErrorKind.ReadError => ErrorCategory.ReadError,
            SmimeErrorKind.WriteError => ErrorCategory.WriteError,
            SmimeErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
            SmimeErrorKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
            SmimeErrorKind.OperationStopped => ErrorCategory.OperationStopped,
            _ => ErrorCategory.NotSpecified,
        };
    }
}
