using System;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Commands;
using SmimeTools.Engine.Certificates;

namespace SmimeTools
{
    /// <summary>
    /// Getters behind the type data that adds Emails, CanSign, CanEncrypt and HasUsableKey to every X509Certificate2 in
    /// the session, including those from the Cert: drive.
    /// </summary>
    public static class CertificateMembers
    {
        public static string[] GetEmails(PSObject instance) =>
            Certificate(instance) is { } certificate ? CertificateFacts.GetEmails(certificate) : Array.Empty<string>();

        public static bool GetCanSign(PSObject instance) =>
            Certificate(instance) is { } certificate && CertificateFacts.CanSign(certificate);

        public static bool GetCanEncrypt(PSObject instance) =>
            Certificate(instance) is { } certificate && CertificateFacts.CanEncrypt(certificate);

        /// <summary>Whether SmimeTools can sign or decrypt with the certificate's key: .NET's HasPrivateKey is false for Ed25519, X25519 and token keys.</summary>
        public static bool GetHasUsableKey(PSObject instance) =>
            Certificate(instance) is { } certificate && CertificateOutput.HasUsableKey(certificate);

        private static X509Certificate2? Certificate(PSObject instance) => instance?.BaseObject as X509Certificate2;
    }
}
