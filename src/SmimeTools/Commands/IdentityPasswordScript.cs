using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Runs the -PasswordPerIdentity script of Export-SmimeIdentity for one certificate: the certificate is $_ (and
    /// $args[0]), and the script returns a SecureString or a PSCredential whose password is used.
    /// </summary>
    internal static class IdentityPasswordScript
    {
        public static SecureString PasswordFor(ScriptBlock script, X509Certificate2 certificate)
        {
            var item = PSObject.AsPSObject(certificate);
            ICollection<PSObject> results;
            try
            {
                results = script.InvokeWithContext(null, new List<PSVariable> { new("_", item), new("PSItem", item) }, item);
            }
            catch (RuntimeException e)
            {
                throw Failure(certificate, $"the -PasswordPerIdentity script failed: {e.Message}", e);
            }

            foreach (var result in results)
            {
                switch (result?.BaseObject)
                {
                    case SecureString password:
                        return password;
                    case PSCredential credential:
                        return credential.Password;
                    case string:
                        throw Failure(certificate, "the -PasswordPerIdentity script returned plain text; passwords must be SecureString or PSCredential", null);
                }
            }

            throw Failure(certificate, "the -PasswordPerIdentity script returned no password for it", null);
        }

        private static SmimeException Failure(X509Certificate2 certificate, string why, System.Exception? inner) =>
            new(ErrorIds.BadPassword, SmimeErrorKind.InvalidArgument,
                $"No password for the PKCS#12 file of '{certificate.Subject}' ({certificate.Thumbprint}): {why}. Nothing was written for it.",
                "Make the script return a SecureString for every identity, for example $passwords[$_.Emails[0]] from a hashtable of SecureStrings.",
                certificate, inner);
    }
}
