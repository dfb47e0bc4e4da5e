using System;
using Net.Pkcs11Interop.HighLevelAPI;
using SmimeTools.Engine.Tokens;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>A key pair <see cref="TokenWriter"/> generated on a token, waiting for its request and certificate.</summary>
    public sealed class TokenKeyPair
    {
        internal TokenKeyPair(byte[] id, byte[] subjectPublicKeyInfo, string keyUri, TokenInfo token, IObjectHandle publicHandle, IObjectHandle privateHandle)
        {
            Id = id;
            SubjectPublicKeyInfo = subjectPublicKeyInfo;
            KeyUri = keyUri;
            Token = token;
            PublicHandle = publicHandle;
            PrivateHandle = privateHandle;
        }

        /// <summary>The CKA_ID of both halves: the SHA-1 of the public key bits.</summary>
        public byte[] Id { get; }

        public string IdHex => Convert.ToHexString(Id);

        /// <summary>The public key, DER-encoded SubjectPublicKeyInfo.</summary>
        public byte[] SubjectPublicKeyInfo { get; }

        /// <summary>The RFC 7512 URI of the private key.</summary>
        public string KeyUri { get; }

        public TokenInfo Token { get; }

        internal IObjectHandle PublicHandle { get; }

        internal IObjectHandle PrivateHandle { get; }
    }
}
