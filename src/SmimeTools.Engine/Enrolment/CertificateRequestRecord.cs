using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// A certificate request and where its key is: the PKCS#10 PEM (<see cref="Pem"/>, the name the CA and SCEP cmdlets
    /// bind) with <see cref="KeyUri"/> for token keys, <see cref="KeyFile"/> for software keys, <see cref="Store"/> for store keys.
    /// </summary>
    public sealed class CertificateRequestRecord
    {
        internal CertificateRequestRecord(EnrolmentEntry entry, bool resumed, string? token)
        {
            Email = entry.Email;
            Subject = entry.Subject;
            Emails = (string[])entry.Emails.Clone();
            Purpose = entry.Purpose;
            KeyType = entry.KeyType;
            KeyAlgorithm = entry.KeyAlgorithm;
            KeyLocation = entry.KeyLocation;
            KeyId = entry.KeyId;
            KeyUri = entry.KeyUri;
            KeyFile = entry.KeyFile;
            Store = entry.Store;
            Token = token;
            Pem = entry.Pem;
            Path = entry.RequestFile;
            Status = entry.Status;
            Resumed = resumed;
        }

        public string Email { get; }

        public string Subject { get; }

        public string[] Emails { get; }

        /// <summary>Both, or Signing / Encryption for the two requests of -Usage Separate.</summary>
        public RequestPurpose Purpose { get; }

        public TokenKeyType KeyType { get; }

        /// <summary>"RSA 2048", "EC P-256", ...</summary>
        public string KeyAlgorithm { get; }

        /// <summary>File, Store or Token.</summary>
        public PendingKeyLocation KeyLocation { get; }

        /// <summary>The CKA_ID of a token key pair, in hex: the issued certificate is stored under the same id.</summary>
        public string? KeyId { get; }

        /// <summary>The RFC 7512 URI of a token's private key.</summary>
        public string? KeyUri { get; }

        /// <summary>The encrypted PKCS#8 PEM file of a software key.</summary>
        public string? KeyFile { get; }

        /// <summary>The store a store key's identity goes to (its key waits in that location's REQUEST store).</summary>
        public string? Store { get; }

        /// <summary>The token's URI, for token keys.</summary>
        public string? Token { get; }

        /// <summary>The request, PEM-encoded ("-----BEGIN CERTIFICATE REQUEST-----").</summary>
        public string Pem { get; }

        /// <summary>The file the request was written to, or null.</summary>
        public string? Path { get; }

        public EnrolmentStatus Status { get; }

        /// <summary>True when the request came from the state file of an earlier run: no new key was made.</summary>
        public bool Resumed { get; }

        public override string ToString() => $"{Subject} ({KeyAlgorithm}, {Purpose}, {KeyLocation})";
    }
}
