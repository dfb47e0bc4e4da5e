using System;

namespace SmimeTools.Fuzz
{
    /// <summary>An input broke a bound (an untyped exception, too much time or memory); escaping the fuzz loop, AFL records it as a crash.</summary>
    internal sealed class FuzzFindingException : Exception
    {
        public FuzzFindingException(string message, Exception? inner = null)
            : base(message, inner)
        {
        }
    }
}
