using System;
using MimeKit;

namespace SmimeTools.Engine.Messages
{
    /// <summary>The content-type tests S/MIME depends on, made in one place so every use case reads a message the same way.</summary>
    internal static class SmimeContentTypes
    {
        /// <summary>application/pkcs7-mime, its x- form, or an octet-stream named *.p7m or *.p7z as some clients send it.</summary>
        public static bool IsPkcs7Mime(ContentType type, string? fileName)
        {
            if (type.IsMimeType("application", "pkcs7-mime") || type.IsMimeType("application", "x-pkcs7-mime"))
            {
                return true;
            }

            var name = fileName ?? type.Name;
            return type.IsMimeType("application", "octet-stream") && name != null
                && (name.EndsWith(".p7m", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".p7z", StringComparison.OrdinalIgnoreCase));
        }

        public static bool IsMultipartSigned(ContentType type) => type.IsMimeType("multipart", "signed");

        /// <summary>
        /// A multipart/signed with the signed content first and a signature part second (RFC 1847); parts after the
        /// second are not signed and not the signature.
        /// </summary>
        public static bool TryGetSigned(MimeEntity entity, out Multipart signed, out MimePart signature)
        {
            if (entity is Multipart { Count: >= 2 } multipart && IsMultipartSigned(multipart.ContentType) && multipart[1] is MimePart part)
            {
                signed = multipart;
                signature = part;
                return true;
            }

            signed = null!;
            signature = null!;
            return false;
        }
    }
}
