using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using SmimeTools.Engine.Cms;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Guesses how signed content was changed, the way mailing-list servers change it: by checking the signature
    /// against the content with a footer cut off, with other line ends or without trailing whitespace.
    /// </summary>
    internal static class ContentDamage
    {
        private const int MaxCuts = 60;

        /// <summary>Larger content is not re-hashed for each guess: the guesses would cost more than they tell.</summary>
        internal const int MaxContentLength = 4 << 20;

        /// <summary>A sentence (with a leading space) saying what most likely happened; empty when nothing was found.</summary>
        public static string Explain(byte[]? content, byte[]? signature, int signerIndex, CancellationToken cancellationToken)
        {
            if (content == null || signature == null || signerIndex < 0 || content.Length > MaxContentLength)
            {
                return string.Empty;
            }

            try
            {
                // A footer added at the end of the signed part: the content up to one of its last lines matches.
                var lineStarts = new List<int>();
                for (var i = content.Length - 1; i > 0 && lineStarts.Count < MaxCuts; i--)
                {
                    if (content[i - 1] == '\n')
                    {
                        lineStarts.Add(i);
                    }
                }

                foreach (var cut in lineStarts)
                {
                    foreach (var end in new[] { cut, cut - 2 })
                    {
                        if (end > 0 && Matches(content.AsSpan(0, end).ToArray(), signature, signerIndex, cancellationToken))
                        {
                            var added = content.Length - end;
                            return $" The signed part matches when its last {added} bytes are cut off: text (most likely a mailing-list footer) was added to the end of the signed part after signing: \"{Preview(content, end)}\".";
                        }
                    }
                }

                if (Matches(Replace(content, "\r\n", "\n"), signature, signerIndex, cancellationToken))
                {
                    return " It matches with LF line ends instead of CRLF: the signer hashed the content without canonicalising line ends; the text itself is unchanged.";
                }

                if (Matches(TrimTrailingWhitespace(content), signature, signerIndex, cancellationToken))
                {
                    return " It matches with trailing whitespace removed from its lines: the signer (or a server before signing) differed only in trailing spaces.";
                }

                var text = Encoding.Latin1.GetString(content);
                var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                var headers = headerEnd < 0 ? string.Empty : text[..headerEnd];
                if (headers.Contains("Content-Transfer-Encoding: 8bit", StringComparison.OrdinalIgnoreCase)
                    && content.Skip(Math.Max(0, headerEnd)).Any(b => b >= 0x80))
                {
                    return " The signed part is in 8bit with 8-bit bytes: a server most likely re-encoded it (e.g. from quoted-printable or base64) after signing, which cannot be undone.";
                }
            }
            catch (SmimeException)
            {
                // The guesses are a courtesy; the verdict stands without them.
            }

            return " No common change (a footer added at the end, line ends, trailing whitespace) explains it.";
        }

        private static bool Matches(byte[] variant, byte[] signature, int signerIndex, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(variant, writable: false);
            var result = SignedDataReader.ReadDetached(signature, stream, null, cancellationToken);
            return signerIndex < result.Signers.Count && result.Signers[signerIndex].MessageDigestMatches == true;
        }

        private static string Preview(byte[] content, int from)
        {
            var text = Encoding.UTF8.GetString(content, from, Math.Min(content.Length - from, 120)).Replace("\r", string.Empty).Replace("\n", " ").Trim();
            return text.Length > 80 ? text[..80] + "..." : text;
        }

        private static byte[] Replace(byte[] content, string from, string to) =>
            Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(content).Replace(from, to, StringComparison.Ordinal));

        private static byte[] TrimTrailingWhitespace(byte[] content)
        {
            var lines = Encoding.Latin1.GetString(content).Split("\r\n");
            return Encoding.Latin1.GetBytes(string.Join("\r\n", lines.Select(l => l.TrimEnd(' ', '\t'))));
        }
    }
}
