using System;
using System.Collections.Generic;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Somewhere certificates come from: files and folders, a certificate store, certificates handed in, and later
    /// directories (LDAP) and tokens (PKCS#11). A source that can search by itself (a directory filter, a token
    /// attribute template) overrides <see cref="Find"/>; the others are filtered in memory.
    /// </summary>
    public abstract class CertificateSource
    {
        /// <summary>How the source is named in messages: a store path, a file path, "the pipeline".</summary>
        public abstract string Description { get; }

        /// <summary>
        /// Every certificate of the source. A source that cannot be read at all throws <see cref="SmimeException"/>;
        /// a part of it that cannot be read (one file of a folder) goes to <paramref name="problem"/> when given, and
        /// stops the reading otherwise.
        /// </summary>
        public abstract IEnumerable<CertificateEntry> Read(Action<SmimeException>? problem = null);

        /// <summary>The certificates that match the query.</summary>
        public virtual IEnumerable<CertificateEntry> Find(CertificateQuery query, Action<SmimeException>? problem = null)
        {
            ArgumentNullException.ThrowIfNull(query);
            return query.Filter(Read(problem));
        }

        public override string ToString() => Description;
    }
}
