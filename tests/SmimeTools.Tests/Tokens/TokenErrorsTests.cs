using Net.Pkcs11Interop.Common;
using SmimeTools.Engine;
using SmimeTools.Engine.Tokens;
using Xunit;

namespace SmimeTools.Tests.Tokens
{
    /// <summary>
    /// What each PKCS#11 failure becomes. SoftHSM2 never locks a PIN, so the locked-token case is checked here, on the
    /// mapping itself; the others are also met for real in the SoftHSM2 tests.
    /// </summary>
    public sealed class TokenErrorsTests
    {
        [Theory]
        [InlineData(CKR.CKR_PIN_INCORRECT, ErrorIds.TokenLoginFailed, SmimeErrorKind.AuthenticationError)]
        [InlineData(CKR.CKR_PIN_LEN_RANGE, ErrorIds.TokenLoginFailed, SmimeErrorKind.AuthenticationError)]
        [InlineData(CKR.CKR_PIN_EXPIRED, ErrorIds.TokenLoginFailed, SmimeErrorKind.AuthenticationError)]
        [InlineData(CKR.CKR_PIN_LOCKED, ErrorIds.TokenLocked, SmimeErrorKind.SecurityError)]
        [InlineData(CKR.CKR_TOKEN_NOT_PRESENT, ErrorIds.TokenNotFound, SmimeErrorKind.ObjectNotFound)]
        [InlineData(CKR.CKR_DEVICE_REMOVED, ErrorIds.TokenNotFound, SmimeErrorKind.ObjectNotFound)]
        [InlineData(CKR.CKR_MECHANISM_INVALID, ErrorIds.UnsupportedAlgorithm, SmimeErrorKind.InvalidOperation)]
        [InlineData(CKR.CKR_TOKEN_WRITE_PROTECTED, ErrorIds.TokenOperationFailed, SmimeErrorKind.WriteError)]
        [InlineData(CKR.CKR_ENCRYPTED_DATA_INVALID, ErrorIds.DecryptionFailed, SmimeErrorKind.InvalidData)]
        [InlineData(CKR.CKR_DEVICE_ERROR, ErrorIds.TokenOperationFailed, SmimeErrorKind.NotSpecified)]
        public void EachFailureHasItsOwnId(CKR returned, string errorId, SmimeErrorKind kind)
        {
            var error = TokenErrors.From(new Pkcs11Exception("C_Something", returned), "do it", "token");
            Assert.Equal(errorId, error.ErrorId);
            Assert.Equal(kind, error.Kind);
            Assert.False(string.IsNullOrEmpty(error.RecommendedAction));
            Assert.Contains("do it", error.Message, System.StringComparison.Ordinal);
        }
    }
}
