using Net.Pkcs11Interop.Common;

namespace SmimeTools.Engine.Tokens
{
    /// <summary>Turns PKCS#11 return values into errors that say what happened to which token and what to do.</summary>
    internal static class TokenErrors
    {
        public static SmimeException From(Pkcs11Exception e, string doing, object target)
        {
            switch (e.RV)
            {
                case CKR.CKR_PIN_INCORRECT:
                case CKR.CKR_PIN_INVALID:
                case CKR.CKR_PIN_LEN_RANGE:
                    return new SmimeException(ErrorIds.TokenLoginFailed, SmimeErrorKind.AuthenticationError,
                        $"The PIN was not accepted when trying to {doing} ({e.RV}).",
                        "Give the token's user PIN (not the SO PIN); a token locks itself after a few wrong tries.", target, e);
                case CKR.CKR_PIN_EXPIRED:
                    return new SmimeException(ErrorIds.TokenLoginFailed, SmimeErrorKind.AuthenticationError,
                        $"The PIN has expired, so we could not {doing}.", "Change the PIN with the token's own tools, then try again.", target, e);
                case CKR.CKR_PIN_LOCKED:
                    return new SmimeException(ErrorIds.TokenLocked, SmimeErrorKind.SecurityError,
                        $"The token's PIN is locked after too many wrong tries, so we could not {doing}.",
                        "Have the token's security officer unlock it (reset the user PIN with the SO PIN).", target, e);
                case CKR.CKR_TOKEN_NOT_PRESENT:
                case CKR.CKR_TOKEN_NOT_RECOGNIZED:
                case CKR.CKR_DEVICE_REMOVED:
                case CKR.CKR_SLOT_ID_INVALID:
                    return new SmimeException(ErrorIds.TokenNotFound, SmimeErrorKind.ObjectNotFound,
                        $"The token went away while trying to {doing} ({e.RV}).", "Insert the token and try again.", target, e);
                case CKR.CKR_MECHANISM_INVALID:
                case CKR.CKR_MECHANISM_PARAM_INVALID:
                case CKR.CKR_KEY_TYPE_INCONSISTENT:
                case CKR.CKR_KEY_FUNCTION_NOT_PERMITTED:
                    return new SmimeException(ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidOperation,
                        $"The token cannot {doing} with this key or algorithm ({e.RV}).",
                        "Choose another algorithm (for example -SignatureAlgorithm RsaPkcs1), or check the key's permitted uses on the token.", target, e);
                case CKR.CKR_USER_NOT_LOGGED_IN:
                    return new SmimeException(ErrorIds.TokenLoginFailed, SmimeErrorKind.AuthenticationError,
                        $"The token needs a login to {doing}.", "Give the PIN with -Pin.", target, e);
                case CKR.CKR_TOKEN_WRITE_PROTECTED:
                    return new SmimeException(ErrorIds.TokenOperationFailed, SmimeErrorKind.WriteError,
                        $"The token is write-protected, so we could not {doing}.", "Use a token that may be written to.", target, e);
                case CKR.CKR_DEVICE_MEMORY:
                    return new SmimeException(ErrorIds.TokenOperationFailed, SmimeErrorKind.WriteError,
                        $"The token is full, so we could not {doing}.", "Delete objects you no longer need from the token.", target, e);
                case CKR.CKR_ENCRYPTED_DATA_INVALID:
                case CKR.CKR_ENCRYPTED_DATA_LEN_RANGE:
                    return new SmimeException(ErrorIds.DecryptionFailed, SmimeErrorKind.InvalidData,
                        $"The token could not {doing}: the encrypted key does not fit this key ({e.RV}).",
                        "The message may be damaged, or encrypted to another key with the same certificate details.", target, e);
                default:
                    return new SmimeException(ErrorIds.TokenOperationFailed, SmimeErrorKind.NotSpecified,
                        $"The token failed to {doing}: {e.Method} returned {e.RV}.",
                        "Check that the token is working (with its own tools) and try again.", target, e);
            }
        }
    }
}
