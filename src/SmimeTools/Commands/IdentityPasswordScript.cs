using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Runs the -PasswordPerIdentity script of Export-SmimeIdentity and Complete-SmimeCertificateRequest for one
    /// certificate: the certificate is $_, and the password it returns protects its PKCS#12 file.
    /// </summary>
    internal static class IdentityPasswordScript
    {
        public static SecureString PasswordFor(ScriptBlock script, X509Certificate2 certificate) =>
            PasswordScript.PasswordFor(script, certificate, "-PasswordPerIdentity", (why, inner) => new SmimeException(ErrorIds.BadPassword, SmimeErrorKind.InvalidArgument,
                $"No password for the PKCS#12 file of '{certificate.Subject}' ({certificate.Thumbprint}): {why}. Nothing was written for it.",
                "Make the script return a SecureString for every identity, for example $passwords[$_.Emails[0]] from a hashtable of SecureStrings.",
                certificate, inner));
    }
}
