using System;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using SmimeTools.Engine.Tokens;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Asks for a token's PIN the way PowerShell asks for credentials (the host's credential prompt, the token's label as
    /// the user name). A host that cannot prompt (-NonInteractive, a job) gives no PIN, and the engine then says
    /// TokenPinRequired. The engine calls this on the pipeline thread, when a key is first used.
    /// </summary>
    internal static class TokenPinPrompt
    {
        public static Func<TokenInfo, SecureString?> For(PSCmdlet cmdlet) => token =>
        {
            // pwsh -NonInteractive still reads a credential from the console; a test run or a scheduled job must not wait for one.
            if (IsNonInteractive)
            {
                return null;
            }

            try
            {
                var credential = cmdlet.Host.UI.PromptForCredential(
                    "Token PIN",
                    $"Enter the user PIN of the {token}.",
                    token.Label,
                    token.Uri,
                    PSCredentialTypes.Generic,
                    PSCredentialUIOptions.ReadOnlyUserName);
                return credential?.Password is { Length: > 0 } pin ? pin : null;
            }
            catch (Exception e) when (e is PSInvalidOperationException or HostException or NotImplementedException or PSNotImplementedException)
            {
                return null;
            }
        };

        private static bool IsNonInteractive =>
            Array.Exists(Environment.GetCommandLineArgs(), a => a.Length >= 5 && "-noninteractive".StartsWith(a.ToLowerInvariant(), StringComparison.Ordinal));
    }
}
