namespace SmimeTools.Engine.Cms
{
    /// <summary>How a recipient of an encrypted message gets the content-encryption key (RFC 5652 §6.2).</summary>
    public enum RecipientKind
    {
        /// <summary>KeyTransRecipientInfo: the key encrypted to an RSA public key.</summary>
        KeyTransport,

        /// <summary>KeyAgreeRecipientInfo: ECDH, X25519 or X448 agreement, then a key wrap.</summary>
        KeyAgreement,

        /// <summary>KEKRecipientInfo: the key wrapped with a symmetric key both sides already share.</summary>
        Kek,

        /// <summary>PasswordRecipientInfo: the key wrapped with a key derived from a password.</summary>
        Password,

        /// <summary>OtherRecipientInfo, or a kind this module does not know (e.g. KEMRecipientInfo).</summary>
        Other,
    }
}
