namespace SmimeTools.Engine.Certificates
{
    /// <summary>How a written PKCS#12 file is encrypted and authenticated.</summary>
    public enum Pkcs12Protection
    {
        /// <summary>PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC for the key and the certificates, HMAC-SHA256 MAC.</summary>
        Aes256Sha256,

        /// <summary>
        /// What <c>openssl pkcs12 -export -legacy</c> writes, for readers that know nothing newer (gpgsm 2.2, old
        /// Windows and Java): the key under pbeWithSHAAnd3-KeyTripleDES-CBC, the certificates under
        /// pbeWithSHAAnd40BitRC2-CBC, and an HMAC-SHA1 MAC.
        /// </summary>
        Legacy,
    }
}
