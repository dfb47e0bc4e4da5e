using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using SmimeTools.Engine;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Runs a per-item password script (-PasswordPerIdentity, -KeyPasswordPerUser) for one item: the item is $_ (and
    /// $args[0]), and the script returns a SecureString or a PSCredential whose password is used; plain text is refused.
    /// </summary>
    internal static class PasswordScript
    {
        /// <summary>The password the script returns for <paramref name="item"/>; <paramref name="failure"/> makes the error (from why, and the script's exception).</summary>
        public static SecureString PasswordFor(ScriptBlock script, object item, string parameter, Func<string, Exception?, SmimeException> failure)
        {
            var value = PSObject.AsPSObject(item);
            ICollection<PSObject> results;
            try
            {
                results = script.InvokeWithContext(null, new List<PSVariable> { new("_", value), new("PSItem", value) }, value);
            }
            catch (RuntimeException e)
            {
                throw failure($"the {parameter} script failed: {e.Message}", e);
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
                        throw failure($"the {parameter} script returned plain text; passwords must be SecureString or PSCredential", null);
                }
            }

            throw failure($"the {parameter} script returned no password for it", null);
        }
    }
}
