namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// The verdict on one signer of a message, and the code of each problem found. Stable: scripts and tests match on
    /// these names. After <see cref="Valid"/> the order is the order of importance: a result's status is its first error.
    /// </summary>
    public enum SignatureStatus
    {
        /// <summary>The content is the one signed, the signature is the certificate's and the certificate is trusted.</summary>
        Valid,

        /// <summary>The content was changed after it was signed (the message digest does not match).</summary>
        ContentModified,

        /// <summary>The signature does not verify with the signer certificate's public key.</summary>
        SignatureInvalid,

        /// <summary>The signature structure breaks RFC 5652 or its content could not be read again.</summary>
        MalformedSignature,

        /// <summary>A digest or signature algorithm this module does not implement.</summary>
        UnsupportedAlgorithm,

        /// <summary>The signer's certificate is not in the message nor among the extra certificates given.</summary>
        CertificateMissing,

        /// <summary>A certificate of the signer's path is revoked.</summary>
        Revoked,

        /// <summary>The path ends at a root that is not trusted.</summary>
        UntrustedRoot,

        /// <summary>An issuer of the path was not found, so no path reaches a trusted root.</summary>
        PartialChain,

        /// <summary>A certificate of the path expired before the validation time.</summary>
        Expired,

        /// <summary>A certificate of the path is not valid until after the validation time.</summary>
        NotYetValid,

        /// <summary>Another RFC 5280 path validation failure (constraints, policies, signatures on certificates, critical extensions).</summary>
        ChainInvalid,

        /// <summary>The signer's certificate may not be used to sign e-mail (key usage or extended key usage).</summary>
        KeyUsageNotPermitted,

        /// <summary>The revocation status of a certificate of the path could not be established.</summary>
        RevocationUnknown,

        /// <summary>Neither the From nor the Sender address of the message is an address of the signer's certificate.</summary>
        EmailMismatch,

        /// <summary>A weak digest or signature algorithm (MD5 an error; SHA-1 and DSA warnings).</summary>
        WeakAlgorithm,

        /// <summary>A weak key in the path.</summary>
        WeakKey,
    }
}
