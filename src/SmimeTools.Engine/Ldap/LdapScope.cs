namespace SmimeTools.Engine.Ldap
{
    /// <summary>How far below the base DN a search looks (the values are the protocol's).</summary>
    public enum LdapScope
    {
        Base = 0,
        OneLevel = 1,
        Subtree = 2,
    }
}
