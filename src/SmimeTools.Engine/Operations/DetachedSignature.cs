using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Engine.Operations
{
    /// <summary>Checks a multipart/signed signature against its content as the content is in the message.</summary>
    internal static class DetachedSignature
    {
        /// <summary>
        /// Reads the signature and checks it against <paramref name="content"/>. From an mbox file, which quotes body
        /// lines that start with "From ", the content is checked once more with that quoting undone when the digests do
        /// not match, and <paramref name="unquoted"/> says whether that matched instead.
        /// </summary>
        public static SignedDataResult Check(Func<Stream> openSignature, SignedContent content, bool fromMbox,
            IEnumerable<X509Certificate2>? extraCertificates, CancellationToken cancellationToken, out bool unquoted, InputLimits? limits = null)
        {
            unquoted = false;
            var result = Read(openSignature, content.Open(), extraCertificates, cancellationToken, limits);
            if (fromMbox && result.Signers.Any(s => s.Status == SignerStatus.DigestMismatch))
            {
                var again = Read(openSignature, new MboxUnquotingStream(content.Open()), extraCertificates, cancellationToken, limits);
                if (again.Signers.Count == result.Signers.Count && again.Signers.All(s => s.Status != SignerStatus.DigestMismatch))
                {
                    unquoted = true;
                    return again;
                }
            }

            return result;
        }

        private static SignedDataResult Read(Func<Stream> openSignature, Stream content, IEnumerable<X509Certificate2>? extraCertificates,
            CancellationToken cancellationToken, InputLimits? limits)
        {
            using (content)
            using (var signature = openSignature())
            {
                return SignedDataReader.ReadDetached(signature, content, extraCertificates, cancellationToken, limits);
            }
        }
    }
}
