namespace SmimeTools.TestPki
{
    /// <summary>Where a user certificate's validity period lies relative to the creation time.</summary>
    internal enum ValidityKind
    {
        Current,
        Expired,
        NotYetValid,

        /// <summary>Current, but issued later than the others (notBefore one hour before creation): a renewal.</summary>
        Renewed,
    }
}
