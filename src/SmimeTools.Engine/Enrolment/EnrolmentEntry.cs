using System;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// One request of an enrolment as the state file keeps it: who it is for, the request, where its key is, and where
    /// it stands. Settable so the state file can be read back; the engine alone changes it.
    /// </summary>
    public sealed class EnrolmentEntry
    {
        /// <summary>The user's first address: with <see cref="Purpose"/>, what tells the entries apart.</summary>
        public string Email { get; set; } = string.Empty;

        public string[] Emails { get; set; } = Array.Empty<string>();

        public string Subject { get; set; } = string.Empty;

        public RequestPurpose Purpose { get; set; }

        public TokenKeyType KeyType { get; set; }

        /// <summary>"RSA 2048", "EC P-256", ...</summary>
        public string KeyAlgorithm { get; set; } = string.Empty;

        public PendingKeyLocation KeyLocation { get; set; }

        /// <summary>The encrypted PKCS#8 key file (File keys) until the certificate is installed.</summary>
        public string? KeyFile { get; set; }

        /// <summary>The store the identity goes to (Store keys), as Cert:\CurrentUser\My.</summary>
        public string? Store { get; set; }

        /// <summary>The thumbprint of the stand-in certificate that holds a Store key in the REQUEST store until the real one comes.</summary>
        public string? StandInThumbprint { get; set; }

        public string? ModulePath { get; set; }

        public string? TokenSerial { get; set; }

        public string? TokenLabel { get; set; }

        /// <summary>The token's URI.</summary>
        public string? TokenUri { get; set; }

        /// <summary>The CKA_ID of a token key pair, in hex.</summary>
        public string? KeyId { get; set; }

        /// <summary>The RFC 7512 URI of a token's private key.</summary>
        public string? KeyUri { get; set; }

        /// <summary>The PKCS#10 request, PEM-encoded.</summary>
        public string Pem { get; set; } = string.Empty;

        /// <summary>The file the request was written to, or null.</summary>
        public string? RequestFile { get; set; }

        /// <summary>SHA-256 of the public key's bits, in hex: how an issued certificate finds its key.</summary>
        public string PublicKeyHash { get; set; } = string.Empty;

        public EnrolmentStatus Status { get; set; }

        /// <summary>Why it failed (Failed), or why the issued certificate is not installed yet (Issued).</summary>
        public string? Reason { get; set; }

        /// <summary>The ErrorId of the failure, with <see cref="Reason"/>.</summary>
        public string? ErrorId { get; set; }

        public string? CertificateThumbprint { get; set; }

        /// <summary>Where the certificate went: a PKCS#12 file, a store path, or the token's URI.</summary>
        public string? InstalledTo { get; set; }

        public DateTimeOffset Created { get; set; }

        public DateTimeOffset Updated { get; set; }

        public override string ToString() => $"{Email} ({Purpose}, {Status})";
    }
}
