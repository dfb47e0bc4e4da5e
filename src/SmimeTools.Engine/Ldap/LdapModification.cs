namespace SmimeTools.Engine.Ldap
{
    /// <summary>What a modify request does to an attribute (the values are the protocol's).</summary>
    public enum LdapModification
    {
        Add = 0,
        Delete = 1,
        Replace = 2,
    }
}
