using System;
using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace SmimeTools.Loading
{
    /// <summary>
    /// Registers SmimeTools' Should operators with a Pester imported after SmimeTools: watches command lookups for
    /// 'Should' and then runs the module's registration script once per Pester module instance. A lookup costs one
    /// string comparison; the module itself never loads or needs Pester.
    /// </summary>
    public static class PesterOperatorHook
    {
        private static readonly object Gate = new();

        // One hook per runspace (each imports the module on its own).
        private static readonly ConditionalWeakTable<CommandInvocationIntrinsics, EventHandler<CommandLookupEventArgs>> Installed = new();
        [ThreadStatic]
        private static bool _registering;

        /// <summary>Calls <paramref name="register"/> whenever 'Should' is looked up (the script itself decides whether Pester still needs the operators).</summary>
        public static void Install(CommandInvocationIntrinsics commands, ScriptBlock register)
        {
            ArgumentNullException.ThrowIfNull(commands);
            ArgumentNullException.ThrowIfNull(register);
            lock (Gate)
            {
                Uninstall(commands);
                EventHandler<CommandLookupEventArgs> handler = (_, e) =>
                {
                    if (_registering || !IsShould(e.CommandName))
                    {
                        return;
                    }

                    // Registration looks commands up itself; the flag keeps those lookups from coming back here.
                    _registering = true;
                    try
                    {
                        register.Invoke();
                    }
                    catch (RuntimeException)
                    {
                        // A Pester that refuses the operators (too many, or names taken) still runs its own; Should reports unknown ones.
                    }
                    finally
                    {
                        _registering = false;
                    }
                };
                commands.PostCommandLookupAction = (EventHandler<CommandLookupEventArgs>?)Delegate.Combine(commands.PostCommandLookupAction, handler);
                Installed.AddOrUpdate(commands, handler);
            }
        }

        /// <summary>Removes the hook (Remove-Module SmimeTools), leaving any other handler in place.</summary>
        public static void Uninstall(CommandInvocationIntrinsics commands)
        {
            ArgumentNullException.ThrowIfNull(commands);
            lock (Gate)
            {
                if (Installed.TryGetValue(commands, out var handler))
                {
                    commands.PostCommandLookupAction = (EventHandler<CommandLookupEventArgs>?)Delegate.Remove(commands.PostCommandLookupAction, handler);
                    Installed.Remove(commands);
                }
            }
        }

        private static bool IsShould(string name) =>
            string.Equals(name, "Should", StringComparison.OrdinalIgnoreCase) || string.Equals(name, @"Pester\Should", StringComparison.OrdinalIgnoreCase);
    }
}
