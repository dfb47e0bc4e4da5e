using System.Security;
using System.Management.Automation;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Runs the -KeyPasswordPerUser script of the enrolment cmdlets for one user: the user (Email, Subject, Purpose) is $_,
    /// and the password it returns encrypts the user's key file.
    /// </summary>
    internal static class KeyPasswordScript
    {
        public static SecureString PasswordFor(ScriptBlock script, object user, string email) =>
            PasswordScript.PasswordFor(script, user, "-KeyPasswordPerUser", (why, inner) => new SmimeException(ErrorIds.BadPassword, SmimeErrorKind.InvalidArgument,
                $"No password for the key file of {email}: {why}. Nothing was made or opened for this user.",
                "Make the script return a SecureString for every user, for example $passwords[$_.Email] from a hashtable of SecureStrings.",
                email, inner));
    }
}
