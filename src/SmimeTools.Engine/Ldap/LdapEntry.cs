using System;
using System.Collections.Generic;
using System.Linq;

namespace SmimeTools.Engine.Ldap
{
    /// <summary>One entry a search returned: its DN and the values of the attributes asked for.</summary>
    public sealed class LdapEntry
    {
        public LdapEntry(string distinguishedName, IReadOnlyDictionary<string, IReadOnlyList<byte[]>> attributes)
        {
            DistinguishedName = distinguishedName ?? throw new ArgumentNullException(nameof(distinguishedName));
            Attributes = attributes ?? throw new ArgumentNullException(nameof(attributes));
        }

        public string DistinguishedName { get; }

        /// <summary>Values by attribute description as the server wrote it ("userCertificate;binary"); names compare case-insensitively.</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<byte[]>> Attributes { get; }

        /// <summary>
        /// The values of every attribute whose type is <paramref name="type"/>, whatever its options:
        /// "userCertificate" finds "userCertificate" and "userCertificate;binary".
        /// </summary>
        public IEnumerable<byte[]> ValuesOf(string type) =>
            Attributes.Where(a => string.Equals(a.Key.Split(';')[0], type, StringComparison.OrdinalIgnoreCase)).SelectMany(a => a.Value);
    }
}
