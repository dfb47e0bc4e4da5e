namespace SmimeTools.Engine.Operations
{
    /// <summary>One reason a signature is not (or not entirely) trustworthy, in plain words.</summary>
    public sealed class SignatureProblem
    {
        public SignatureProblem(SignatureStatus code, string message, bool isError = true)
        {
            Code = code;
            Message = message;
            IsError = isError;
        }

        public SignatureStatus Code { get; }

        /// <summary>What was found and what it most likely means.</summary>
        public string Message { get; }

        /// <summary>False for a warning, which does not make the signature invalid.</summary>
        public bool IsError { get; }

        public override string ToString() => $"{Code}{(IsError ? string.Empty : " (warning)")}: {Message}";
    }
}
