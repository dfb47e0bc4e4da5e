using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace SmimeTools.Loading
{
    /// <summary>
    /// The module's own load context: the engine, MimeKit, BouncyCastle and Pkcs11Interop load here from
    /// Dependencies/, so other modules that ship their own copies keep theirs (DESIGN.md §2).
    /// </summary>
    internal sealed class EngineLoadContext : AssemblyLoadContext
    {
        private const string EngineAssemblyName = "SmimeTools.Engine";

        /// <summary>The dependency-free Policy assembly sits beside the cmdlets and is shared by both contexts.</summary>
        private const string PolicyAssemblyName = "SmimeTools.Policy";

        private static readonly string ModuleFolder =
            Path.GetDirectoryName(typeof(EngineLoadContext).Assembly.Location) ?? AppContext.BaseDirectory;

        private static readonly string DependencyFolder = Path.Combine(ModuleFolder, "Dependencies");

        private static readonly Lazy<EngineLoadContext> Shared = new(() => new EngineLoadContext(DependencyFolder));

        private static readonly object Gate = new();

        private static bool _registered;

        private readonly string _folder;

        private EngineLoadContext(string folder)
            : base("SmimeTools", isCollectible: false)
        {
            _folder = folder;
        }

        /// <summary>Lets the default context find the engine through this context.</summary>
        public static void Register()
        {
            lock (Gate)
            {
                if (!_registered)
                {
                    Default.Resolving += ResolveEngine;
                    _registered = true;
                }
            }
        }

        public static void Unregister()
        {
            lock (Gate)
            {
                if (_registered)
                {
                    Default.Resolving -= ResolveEngine;
                    _registered = false;
                }
            }
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // Only what we ship is ours; PowerShell, the BCL and everything else stays shared with the default context.
            var candidate = Path.Combine(_folder, assemblyName.Name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            // Pkcs11Interop imports "libdl", which Debian and others ship only as libdl.so.2 (DESIGN.md §7).
            if (unmanagedDllName == "libdl" && RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
                && NativeLibrary.TryLoad("libdl.so.2", out var handle))
            {
                return handle;
            }

            return IntPtr.Zero;
        }

        private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
        {
            if (string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal))
            {
                return Shared.Value.LoadFromAssemblyName(name);
            }

            if (string.Equals(name.Name, PolicyAssemblyName, StringComparison.Ordinal))
            {
                var path = Path.Combine(ModuleFolder, PolicyAssemblyName + ".dll");
                return File.Exists(path) ? Default.LoadFromAssemblyPath(path) : null;
            }

            return null;
        }
    }
}
