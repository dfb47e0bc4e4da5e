namespace SmimeTools.Engine.Ldap
{
    /// <summary>How the connection to a directory is protected.</summary>
    public enum LdapSecurity
    {
        /// <summary>Plain LDAP (ldap://): nothing is encrypted, so no password is ever sent.</summary>
        None,
        /// <summary>TLS from the first byte (ldaps://, port 636 by default).</summary>
        Tls,
        /// <summary>Plain LDAP upgraded to TLS with the StartTLS extended operation before anything else is sent.</summary>
        StartTls,
    }
}
