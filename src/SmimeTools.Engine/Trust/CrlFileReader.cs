using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace SmimeTools.Engine.Trust
{
    /// <summary>Reads CRL files (DER, or PEM with one or more CRLs) within a size limit.</summary>
    internal static class CrlFileReader
    {
        private const string PemBegin = "-----BEGIN X509 CRL-----";
        private const string PemEnd = "-----END X509 CRL-----";

        /// <summary>The file's bytes when it holds at least one CRL; null with a reason otherwise.</summary>
        /// <exception cref="SmimeException"><see cref="ErrorIds.CrlTooLarge"/> for a file larger than <see cref="InputLimits.MaximumCrlSize"/>, before it is read.</exception>
        public static byte[]? TryRead(string path, InputLimits limits, out string? problem)
        {
            try
            {
                var info = new FileInfo(path);
                if (info.Length > limits.MaximumCrlSize)
                {
                    throw InputLimits.Exceeded(ErrorIds.CrlTooLarge, $"The CRL file '{path}'", $"it is {info.Length} bytes",
                        nameof(InputLimits.MaximumCrlSize), limits.MaximumCrlSize, path);
                }

                byte[] data = File.ReadAllBytes(path);
                var crls = Split(data);
                if (crls.Count == 0)
                {
                    problem = "it holds no CRL.";
                    return null;
                }

                foreach (byte[] crl in crls)
                {
                    _ = new Org.BouncyCastle.X509.X509Crl(crl);
                }

                problem = null;
                return data;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException || CertificateData.IsDecodingFailure(e)
                || e is Org.BouncyCastle.Security.Certificates.CrlException)
            {
                problem = e.Message;
                return null;
            }
        }

        /// <summary>The DER CRLs in <paramref name="data"/>: PEM blocks when there are any, else the data itself when it looks like DER.</summary>
        public static List<byte[]> Split(byte[] data)
        {
            var result = new List<byte[]>();
            if (data.Length > 0 && data[0] == 0x30)
            {
                result.Add(data);
                return result;
            }

            string text = Encoding.ASCII.GetString(data);
            int index = 0;
            while (true)
            {
                int begin = text.IndexOf(PemBegin, index, StringComparison.Ordinal);
                if (begin < 0)
                {
                    break;
                }

                // The end marker is looked for after the whole begin marker: the two may share their dashes ("...CRL-----END...").
                int bodyStart = begin + PemBegin.Length;
                int end = text.IndexOf(PemEnd, bodyStart, StringComparison.Ordinal);
                if (end < 0)
                {
                    break;
                }

                string body = text.Substring(bodyStart, end - bodyStart);
                try
                {
                    result.Add(Convert.FromBase64String(body.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Trim()));
                }
                catch (FormatException)
                {
                    // A damaged block is skipped; the others may still serve.
                }

                index = end + PemEnd.Length;
            }

            return result;
        }
    }
}
