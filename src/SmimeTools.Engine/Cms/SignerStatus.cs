namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// What the mathematics says about one signer of a SignedData: whether the content is the one signed and the
    /// signature is the certificate's. Trust in the certificate is a separate question (the Trust layer).
    /// </summary>
    public enum SignerStatus
    {
        /// <summary>The content matches the signed digest and the signature verifies with the signer's certificate.</summary>
        Valid,

        /// <summary>The content is not what was signed: it was changed after signing.</summary>
        DigestMismatch,

        /// <summary>The signature does not verify with the signer certificate's public key.</summary>
        BadSignature,

        /// <summary>The signer's certificate is neither in the message nor among the certificates given to the reader.</summary>
        CertificateNotFound,

        /// <summary>A digest or signature algorithm this engine does not implement.</summary>
        UnsupportedAlgorithm,

        /// <summary>The SignerInfo breaks RFC 5652 (e.g. a missing or repeated messageDigest or contentType attribute).</summary>
        MalformedSignerInfo,

        /// <summary>The signature covers the whole content directly (Ed25519 without signed attributes) and the content could not be read again.</summary>
        ContentUnavailable,
    }
}
