using System;
using System.IO;
using MimeKit;
using MimeKit.Cryptography;
using SmimeTools.Engine.Cms;

namespace SmimeTools.Tests.Trust
{
    /// <summary>Reads the shared corpora for the Trust tests: where they are, and signed S/MIME messages from them.</summary>
    internal static class TrustCorpus
    {
        /// <summary>Why a corpus test skips when the corpus folder is absent.</summary>
        public const string Absent = "no corpus folder (set SMIMETOOLS_CORPORA or place it at ../shared/corpora).";

        /// <summary>The corpus folder: SMIMETOOLS_CORPORA, else ../shared/corpora beside the repository; null when neither exists.</summary>
        public static string? Root()
        {
            string? configured = Environment.GetEnvironmentVariable("SMIMETOOLS_CORPORA");
            if (!string.IsNullOrEmpty(configured))
            {
                return Directory.Exists(configured) ? configured : null;
            }

            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "SmimeTools.sln")))
                {
                    string candidate = Path.GetFullPath(Path.Combine(folder.FullName, "..", "shared", "corpora"));
                    return Directory.Exists(candidate) ? candidate : null;
                }
            }

            return null;
        }

        /// <summary>The SignedData of a multipart/signed or application/pkcs7-mime message, read with the engine's reader.</summary>
        public static SignedDataResult ReadSignedMessage(string path)
        {
            var message = MimeMessage.Load(path);
            if (message.Body is MultipartSigned signed)
            {
                var signature = (MimePart)signed[1];
                var signatureBytes = new MemoryStream();
                signature.Content!.DecodeTo(signatureBytes);
                var content = new MemoryStream();
                var options = FormatOptions.Default.Clone();
                options.NewLineFormat = NewLineFormat.Dos;
                signed[0].WriteTo(options, content);
                content.Position = 0;
                return SignedDataReader.ReadDetached(signatureBytes.ToArray(), content);
            }

            if (message.Body is MimePart part)
            {
                var encapsulated = new MemoryStream();
                part.Content!.DecodeTo(encapsulated);
                encapsulated.Position = 0;
                return SignedDataReader.ReadEncapsulated(encapsulated, Stream.Null);
            }

            throw new InvalidDataException($"{path} is not a signed message.");
        }
    }
}
