using System.Management.Automation;

namespace SmimeTools.Loading
{
    /// <summary>Hooks the engine's load context in when the module is imported and out when it is removed.</summary>
    public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport() => EngineLoadContext.Register();

        public void OnRemove(PSModuleInfo psModuleInfo) => EngineLoadContext.Unregister();
    }
}
