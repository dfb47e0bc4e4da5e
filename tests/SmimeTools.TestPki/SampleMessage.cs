using System;
using System.Globalization;

namespace SmimeTools.TestPki
{
    /// <summary>
    /// A plain message to protect in tests, made to catch canonicalisation mistakes: LF line ends, 8-bit UTF-8
    /// text, trailing spaces, a line starting with "From " and a base64 attachment.
    /// </summary>
    public static class SampleMessage
    {
        public const string Subject = "Quarterly figures";

        public static string Text(DateTimeOffset date) =>
            "From: Alice Example <alice@example.com>\n"
            + "To: Bob Example <bob@example.com>\n"
            + "Subject: " + Subject + "\n"
            + "Date: " + date.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture) + "\n"
            + "Message-ID: <sample-" + date.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "@example.com>\n"
            + "MIME-Version: 1.0\n"
            + "Content-Type: multipart/mixed; boundary=\"sample-boundary\"\n"
            + "\n"
            + "--sample-boundary\n"
            + "Content-Type: text/plain; charset=utf-8\n"
            + "Content-Transfer-Encoding: 8bit\n"
            + "\n"
            + "Hello Bob,\n"
            + "\n"
            + "the figures are attached. Grüße from Zürich!   \n"
            + "From here on it only gets better.\n"
            + "\n"
            + "Alice\n"
            + "--sample-boundary\n"
            + "Content-Type: text/csv; name=\"figures.csv\"\n"
            + "Content-Disposition: attachment; filename=\"figures.csv\"\n"
            + "Content-Transfer-Encoding: base64\n"
            + "\n"
            + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("quarter,revenue\nQ1,100\nQ2,120\nQ3,135\nQ4,160\n")) + "\n"
            + "--sample-boundary--\n";
    }
}
