using System.Management.Automation;

namespace SmimeTools.Commands
{
    /// <summary>What the token parameters (-Pkcs11Module, -Token, -Pin) share between cmdlets.</summary>
    internal static class TokenArguments
    {
        /// <summary>
        /// A library path through the provider (relative to the current location); a bare file name such as
        /// opensc-pkcs11.so is left for the system loader to find in its own folders.
        /// </summary>
        public static string ModulePath(PSCmdlet cmdlet, string module) =>
            module.Contains('/') || module.Contains('\\') || module.StartsWith('~') ? cmdlet.GetUnresolvedProviderPathFromPSPath(module) : module;
    }
}
