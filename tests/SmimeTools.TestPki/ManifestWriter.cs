using System;
using System.Globalization;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SmimeTools.TestPki
{
    /// <summary>Writes manifest.json: camelCase, flat, ISO 8601 UTC dates, absolute paths.</summary>
    internal static class ManifestWriter
    {
        public const int SchemaVersion = 1;

        public static string Iso(DateTime utc) =>
            UtcTime.Normalize(utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        public static void Write(TestPki pki, string path)
        {
            var options = new JsonWriterOptions
            {
                Indented = true,
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            };
            using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
            using (var json = new Utf8JsonWriter(stream, options))
            {
                json.WriteStartObject();
                json.WriteNumber("schemaVersion", SchemaVersion);
                json.WriteString("folder", pki.Folder);
                json.WriteString("createdUtc", Iso(pki.CreatedUtc));
                json.WriteString("password", pki.Password);
                json.WriteString("crlBaseUri", pki.CrlBaseUri.AbsoluteUri);
                json.WriteString("chainPemPath", pki.ChainPemPath);
                json.WriteString("chainWithCrlsPemPath", pki.ChainWithCrlsPemPath);
                json.WriteString("bundleP7bPath", pki.BundleP7bPath);
                json.WriteString("sampleMessagePath", pki.SampleMessagePath);
                json.WriteString("manifestPath", pki.ManifestPath);

                json.WritePropertyName("root");
                WriteCa(json, pki.Root);
                json.WritePropertyName("intermediate");
                WriteCa(json, pki.Intermediate);

                json.WriteStartArray("users");
                foreach (string name in TestPki.UserNames)
                {
                    WriteUser(json, pki.Users[name]);
                }

                json.WriteEndArray();
                json.WritePropertyName("tlsServer");
                json.WriteStartObject();
                json.WriteString("thumbprint", pki.TlsServer.Thumbprint);
                json.WriteString("certificatePath", pki.TlsServer.CertificatePath);
                json.WriteString("privateKeyPath", pki.TlsServer.PrivateKeyPath);
                json.WriteEndObject();
                json.WriteEndObject();
            }
        }

        private static void WriteCa(Utf8JsonWriter json, TestCertificateAuthority ca)
        {
            json.WriteStartObject();
            json.WriteString("name", ca.Name);
            json.WriteString("subject", ca.Subject);
            json.WriteString("keyAlgorithm", ca.KeyAlgorithm);
            json.WriteNumber("keySize", ca.KeySize);
            json.WriteString("thumbprint", ca.Thumbprint);
            json.WriteString("serialNumber", ca.SerialNumber);
            json.WriteString("notBefore", Iso(ca.NotBefore));
            json.WriteString("notAfter", Iso(ca.NotAfter));
            json.WriteString("certificatePath", ca.CertificatePath);
            json.WriteString("certificateDerPath", ca.CertificateDerPath);
            json.WriteString("privateKeyPath", ca.PrivateKeyPath);
            json.WriteString("crlPemPath", ca.CrlPemPath);
            json.WriteString("crlDerPath", ca.CrlDerPath);
            json.WriteString("crlUri", ca.CrlUri);
            json.WriteString("crlThisUpdate", Iso(ca.Crl.ThisUpdate));
            json.WriteString("crlNextUpdate", Iso(ca.Crl.NextUpdate ?? ca.Crl.ThisUpdate));
            json.WriteEndObject();
        }

        private static void WriteUser(Utf8JsonWriter json, TestUser user)
        {
            json.WriteStartObject();
            json.WriteString("name", user.Name);
            json.WriteString("mailbox", user.Mailbox);
            json.WriteString("certificateEmail", user.CertificateEmail);
            if (user.SubjectEmail is null)
            {
                json.WriteNull("subjectEmail");
            }
            else
            {
                json.WriteString("subjectEmail", user.SubjectEmail);
            }

            if (user.SmtpUtf8Mailbox is null)
            {
                json.WriteNull("smtpUtf8Mailbox");
            }
            else
            {
                json.WriteString("smtpUtf8Mailbox", user.SmtpUtf8Mailbox);
            }

            json.WriteString("subject", user.Subject);
            json.WriteString("description", user.Description);
            json.WriteBoolean("badCase", user.IsBadCase);
            json.WriteBoolean("revoked", user.IsRevoked);
            if (user.RevocationDate is DateTime revoked)
            {
                json.WriteString("revocationDate", Iso(revoked));
            }
            else
            {
                json.WriteNull("revocationDate");
            }

            json.WriteString("keyAlgorithm", user.KeyAlgorithm);
            json.WriteNumber("keySize", user.KeySize);
            json.WriteStartArray("keyUsages");
            foreach (string usage in user.KeyUsages)
            {
                json.WriteStringValue(usage);
            }

            json.WriteEndArray();
            json.WriteStartArray("extendedKeyUsages");
            foreach (string usage in user.ExtendedKeyUsages)
            {
                json.WriteStringValue(usage);
            }

            json.WriteEndArray();
            json.WriteString("thumbprint", user.Thumbprint);
            json.WriteString("serialNumber", user.SerialNumber);
            json.WriteString("notBefore", Iso(user.NotBefore));
            json.WriteString("notAfter", Iso(user.NotAfter));
            json.WriteString("certificatePath", user.CertificatePath);
            json.WriteString("certificateDerPath", user.CertificateDerPath);
            json.WriteString("privateKeyPath", user.PrivateKeyPath);
            json.WriteString("encryptedPrivateKeyPath", user.EncryptedPrivateKeyPath);
            json.WriteString("pkcs12Path", user.Pkcs12Path);
            json.WriteEndObject();
        }
    }
}
