using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Runs the -KeyPasswordPerUser script of the enrolment cmdlets for one user: the user (Email, Subject, Purpose) is $_
    /// (and $args[0]), and the script returns a SecureString or a PSCredential whose password encrypts the user's key file.
    /// </summary>
    internal static class KeyPasswordScript
    {
        public static SecureString PasswordFor(ScriptBlock script, object user, string email)
        {
            var item = PSObject.AsPSObject(user);
            ICollection<PSObject> results;
            try
            {
                results = script.InvokeWithContext(null, new List<PSVariable> { new("_", item), new("PSItem", item) }, item);
            }
            catch (RuntimeException e)
            {
                throw Failure(email, $"the -KeyPasswordPerUser script failed: {e.Message}", e);
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
                        throw Failure(email, "the -KeyPasswordPerUser script returned plain text; passwords must be SecureString or PSCredential", null);
                }
            }

            throw Failure(email, "the -KeyPasswordPerUser script returned no password for this user", null);
        }

        private static SmimeException Failure(string email, string why, System.Exception? inner) =>
            new(ErrorIds.BadPassword, SmimeErrorKind.InvalidArgument,
                $"No password for the key file of {email}: {why}. Nothing was made or opened for this user.",
                "Make the script return a SecureString for every user, for example $passwords[$_.Email] from a hashtable of SecureStrings.",
                email, inner);
    }
}
