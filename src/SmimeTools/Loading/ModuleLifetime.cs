using System;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace SmimeTools.Loading
{
    /// <summary>
    /// Hooks the engine's load context in when the module is imported and out when it is removed; on removal, token
    /// sessions are closed and PKCS#11 libraries finalised first (nothing is loaded just to do that).
    /// </summary>
    public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport() => EngineLoadContext.Register();

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            if (AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "SmimeTools.Engine"))
            {
                FinaliseTokens();
            }

            EngineLoadContext.Unregister();
        }

        // Kept out of line so the engine is touched only when it is already loaded.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void FinaliseTokens() => SmimeTools.Engine.Tokens.TokenLibrary.FinaliseAll();
    }
}
