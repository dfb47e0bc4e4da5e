using System;
using System.Collections.Generic;

namespace SmimeTools.Engine.Trust
{
    /// <summary>The policy inputs of RFC 5280 §6.1.1 (c), (e), (f), (g).</summary>
    internal sealed class PolicyInputs
    {
        public PolicyInputs(IEnumerable<string> initial, bool requireExplicit, bool inhibitMapping, bool inhibitAny)
        {
            InitialPolicies = new HashSet<string>(initial, StringComparer.Ordinal);
            if (InitialPolicies.Count == 0)
            {
                InitialPolicies.Add(ValidationOptions.AnyPolicy);
            }

            RequireExplicitPolicy = requireExplicit;
            InhibitPolicyMapping = inhibitMapping;
            InhibitAnyPolicy = inhibitAny;
        }

        /// <summary>anyPolicy, nothing required or inhibited: what paths of CRL issuers are validated with.</summary>
        public static PolicyInputs Default { get; } = new(Array.Empty<string>(), false, false, false);

        public HashSet<string> InitialPolicies { get; }

        public bool InitialIsAnyPolicy => InitialPolicies.Contains(ValidationOptions.AnyPolicy);

        public bool RequireExplicitPolicy { get; }

        public bool InhibitPolicyMapping { get; }

        public bool InhibitAnyPolicy { get; }
    }
}
