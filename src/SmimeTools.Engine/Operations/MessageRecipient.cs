using SmimeTools.Engine.Cms;

namespace SmimeTools.Engine.Operations
{
    /// <summary>A recipient of an encrypted layer: how the sender named its certificate, and the address where a store knows it.</summary>
    public sealed class MessageRecipient
    {
        public RecipientKind Kind { get; init; }

        public string? Issuer { get; init; }

        public string? SerialNumber { get; init; }

        public string? SubjectKeyIdentifier { get; init; }

        public string KeyEncryptionAlgorithm { get; init; } = string.Empty;

        /// <summary>The recipient's address, when a certificate store holds its certificate; null otherwise.</summary>
        public string? Email { get; init; }

        public override string ToString()
        {
            var who = SerialNumber != null ? $"{Issuer} #{SerialNumber}" : $"SKI {SubjectKeyIdentifier}";
            return (Email != null ? Email + " " : string.Empty) + $"[{who}] {KeyEncryptionAlgorithm}";
        }
    }
}
