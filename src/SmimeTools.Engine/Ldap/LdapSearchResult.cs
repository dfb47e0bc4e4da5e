using System.Collections.Generic;

namespace SmimeTools.Engine.Ldap
{
    /// <summary>The entries of a search, and whether a size or time limit cut it short.</summary>
    public sealed class LdapSearchResult
    {
        public LdapSearchResult(IReadOnlyList<LdapEntry> entries, string? truncation)
        {
            Entries = entries;
            Truncation = truncation;
        }

        public IReadOnlyList<LdapEntry> Entries { get; }

        /// <summary>Why entries may be missing ("the size limit of 100 entries was reached"), or null when the search is complete.</summary>
        public string? Truncation { get; }
    }
}
