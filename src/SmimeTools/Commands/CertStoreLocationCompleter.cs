using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>Completes -CertStoreLocation with Cert:\&lt;Location&gt;\&lt;Store&gt; paths, matching what was typed with or without Cert:\.</summary>
    public sealed class CertStoreLocationCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = (wordToComplete ?? string.Empty).Trim('\'', '"').Replace('/', '\\');
            foreach (var location in CertificateStoreCatalog.Locations)
            {
                foreach (var store in CertificateStoreCatalog.StoreNames(location))
                {
                    var path = $"Cert:\\{location}\\{store}";
                    var bare = $"{location}\\{store}";
                    if (path.StartsWith(typed, StringComparison.OrdinalIgnoreCase) || bare.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                    {
                        var text = path.Contains(' ') ? $"'{path}'" : path;
                        yield return new CompletionResult(text, path, CompletionResultType.ParameterValue, Describe(store));
                    }
                }
            }
        }

        private static string Describe(string store) => store switch
        {
            "My" => "Personal: your own certificates and their keys",
            "AddressBook" => "Other People: correspondents' certificates",
            "Root" => "Trusted root CAs",
            "CA" => "Intermediate CAs",
            "TrustedPeople" => "Trusted people",
            "Disallowed" => "Distrusted certificates",
            _ => store,
        };
    }
}
