using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>One issued certificate matched to its pending key and installed.</summary>
    public sealed class CompletionRecord
    {
        internal CompletionRecord(EnrolmentEntry entry, X509Certificate2 certificate, bool alreadyInstalled, string? publishedTo)
        {
            Email = entry.Email;
            Subject = certificate.Subject;
            Purpose = entry.Purpose;
            KeyLocation = entry.KeyLocation;
            Status = entry.Status;
            InstalledTo = entry.InstalledTo;
            Certificate = certificate;
            Thumbprint = certificate.Thumbprint;
            AlreadyInstalled = alreadyInstalled;
            PublishedTo = publishedTo;
        }

        public string Email { get; }

        public string Subject { get; }

        public RequestPurpose Purpose { get; }

        public PendingKeyLocation KeyLocation { get; }

        public EnrolmentStatus Status { get; }

        /// <summary>The PKCS#12 file, the store path or the token's URI.</summary>
        public string? InstalledTo { get; }

        public X509Certificate2 Certificate { get; }

        public string Thumbprint { get; }

        /// <summary>True when the state file had this certificate installed already: nothing was done again.</summary>
        public bool AlreadyInstalled { get; }

        /// <summary>The directory entry the certificate was published to, or null.</summary>
        public string? PublishedTo { get; }

        public override string ToString() => $"{Email} ({Purpose}): {Status} to {InstalledTo}";
    }
}
