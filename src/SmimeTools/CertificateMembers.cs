using System;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Certificates;

namespace SmimeTools
{
    /// <summary>
    /// Getters behind the type data that adds Emails, CanSign and CanEncrypt to every X509Certificate2 in the session,
    /// including those from the Cert: drive.
    /// </summary>
    public static class CertificateMembers
    {
        public static string[] GetEmails(PSObject instance) =>
            Certificate(instance) is { } certificate ? CertificateFacts.GetEmails(certificate) : Array.Empty<string>();

        public static bool GetCanSign(PSObject instance) =>
            Certificate(instance) is { } certificate && CertificateFacts.CanSign(certificate);

        public static bool GetCanEncrypt(PSObject instance) =>
            Certificate(instance) is { } certificate && CertificateFacts.CanEncrypt(certificate);

        private static X509Certificate2? Certificate(PSObject instance) => instance?.BaseObject as X509Certificate2;
    }
}
