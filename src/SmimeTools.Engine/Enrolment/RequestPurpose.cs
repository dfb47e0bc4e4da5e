namespace SmimeTools.Engine.Enrolment
{
    /// <summary>What the certificate of one request is for.</summary>
    public enum RequestPurpose
    {
        /// <summary>Signing and encryption with one key.</summary>
        Both,

        /// <summary>Signing only (digitalSignature, nonRepudiation).</summary>
        Signing,

        /// <summary>Encryption only (keyEncipherment for RSA, keyAgreement for EC).</summary>
        Encryption,
    }
}
