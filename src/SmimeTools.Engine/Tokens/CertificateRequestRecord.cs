namespace SmimeTools.Engine.Tokens
{
    /// <summary>A key pair generated on a token and the PKCS#10 request for its certificate.</summary>
    public sealed class CertificateRequestRecord
    {
        internal CertificateRequestRecord(string subject, string[] emails, string keyAlgorithm, string keyId, string keyUri, string token, string pem, string? path)
        {
            Subject = subject;
            Emails = emails;
            KeyAlgorithm = keyAlgorithm;
            KeyId = keyId;
            KeyUri = keyUri;
            Token = token;
            Pem = pem;
            Path = path;
        }

        public string Subject { get; }

        public string[] Emails { get; }

        /// <summary>"RSA 2048", "EC P-256", ...</summary>
        public string KeyAlgorithm { get; }

        /// <summary>The CKA_ID of the new key pair, in hex: the issued certificate is stored under the same id.</summary>
        public string KeyId { get; }

        /// <summary>The RFC 7512 URI of the new private key.</summary>
        public string KeyUri { get; }

        /// <summary>The token's URI.</summary>
        public string Token { get; }

        /// <summary>The request, PEM-encoded ("-----BEGIN CERTIFICATE REQUEST-----").</summary>
        public string Pem { get; }

        /// <summary>The file the request was written to, or null.</summary>
        public string? Path { get; }

        public override string ToString() => $"{Subject} ({KeyAlgorithm}, id {KeyId})";
    }
}
