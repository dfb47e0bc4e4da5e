using System.Collections.Generic;

namespace SmimeTools.Engine.Cms
{
    /// <summary>An attribute carried beside encrypted content (unprotectedAttrs, authAttrs, unauthAttrs): its type and DER values.</summary>
    public sealed record EnvelopedAttribute(string Oid, IReadOnlyList<byte[]> Values);
}
