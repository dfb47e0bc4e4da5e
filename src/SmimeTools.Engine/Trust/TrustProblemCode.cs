namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// Why a certification path is not (or not entirely) trustworthy. Stable: scripts and tests match on these names.
    /// The order is the order of importance: <see cref="PathValidationResult.Status"/> is the first error in this order.
    /// </summary>
    public enum TrustProblemCode
    {
        /// <summary>A certificate of the path is listed as revoked by its issuer (CRL or OCSP); the problem carries the date and reason.</summary>
        Revoked,

        /// <summary>A signature does not verify: on a certificate of the path (an error) or on a CRL or OCSP response (a warning; the revocation status then stays unknown).</summary>
        InvalidSignature,

        /// <summary>The path ends at a self-signed certificate that is not among the trust anchors the user chose.</summary>
        UntrustedRoot,

        /// <summary>The issuer of a certificate was not found among the certificates given (message, stores, extra certificates), so no path reaches a trust anchor.</summary>
        PartialChain,

        /// <summary>A certificate of the path (or the trust anchor) expired before the validation time.</summary>
        Expired,

        /// <summary>A certificate of the path (or the trust anchor) is not valid until after the validation time.</summary>
        NotYetValid,

        /// <summary>
        /// The end-entity certificate may not be used for the purpose asked (RFC 8550 §4.4): for signing, key usage without
        /// digitalSignature and nonRepudiation, or an extended key usage without emailProtection (or anyExtendedKeyUsage).
        /// </summary>
        KeyUsageNotPermitted,

        /// <summary>A CA certificate's key usage does not allow what it was used for: keyCertSign to issue certificates, cRLSign to sign CRLs.</summary>
        CaKeyUsageNotPermitted,

        /// <summary>A certificate that issued another is not a CA (basicConstraints cA absent or false), or a pathLenConstraint is exceeded.</summary>
        BasicConstraintsViolation,

        /// <summary>A name (subject DN, e-mail address, DNS name, URI, IP address) is outside the permitted or inside the excluded subtrees of a CA's name constraints.</summary>
        NameConstraintViolation,

        /// <summary>Certificate policy processing (RFC 5280 §6.1) left no acceptable policy where an explicit policy is required, or none of the user's initial policies.</summary>
        PolicyViolation,

        /// <summary>A policy mapping maps to or from anyPolicy, which RFC 5280 forbids.</summary>
        InvalidPolicyMapping,

        /// <summary>A certificate carries a critical extension this validator does not understand (on a CRL: a warning; that CRL is not used).</summary>
        UnknownCriticalExtension,

        /// <summary>A certificate (or CRL) cannot be decoded, or one of its extensions is damaged.</summary>
        MalformedCertificate,

        /// <summary>
        /// No longer reported: a path longer than <see cref="InputLimits.MaximumPathLength"/>, or more candidates than
        /// <see cref="InputLimits.MaximumPathCandidates"/>, fail validation with PathTooLong or TooManyPathCandidates.
        /// Kept so that the codes after it keep their numbers.
        /// </summary>
        ChainTooLong,

        /// <summary>
        /// The revocation status of a certificate could not be established: no CRL (or none that is current, in scope and
        /// correctly signed) and, online, no usable OCSP answer.
        /// </summary>
        RevocationUnknown,

        /// <summary>A weak signature algorithm on a certificate or CRL: MD2/MD5 (an error unless weak algorithms are allowed) or SHA-1 (a warning).</summary>
        WeakAlgorithm,

        /// <summary>
        /// A weak public key. Broken (an error unless weak algorithms are allowed): RSA or DSA below 1024 bits, an elliptic
        /// curve below 160 bits. Weak (a warning): RSA or DSA below 2048 bits, an elliptic curve below 224 bits.
        /// </summary>
        WeakKey,
    }
}
