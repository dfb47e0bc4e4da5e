using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using SmimeTools.Engine.Trust;

namespace SmimeTools.Commands
{
    /// <summary>Completes a policy parameter with anyPolicy, the one policy with a name (its OID is 2.5.29.32.0); other policies are OIDs.</summary>
    public sealed class CertificatePolicyCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            if (CertificatePolicyOid.AnyPolicyName.StartsWith(typed, StringComparison.OrdinalIgnoreCase) || ValidationOptions.AnyPolicy.StartsWith(typed, StringComparison.Ordinal))
            {
                yield return new CompletionResult(CertificatePolicyOid.AnyPolicyName, CertificatePolicyOid.AnyPolicyName, CompletionResultType.ParameterValue,
                    $"{CertificatePolicyOid.AnyPolicyName} ({ValidationOptions.AnyPolicy}): every policy is acceptable");
            }
        }
    }
}
