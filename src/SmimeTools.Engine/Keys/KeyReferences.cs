using System;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Keys
{
    /// <summary>
    /// Certificate objects handed out to callers (PowerShell users keep them in variables and give them back to
    /// -SignWith, -Identity, Export-SmimeIdentity) joined to their keys: the only such association in the engine.
    /// </summary>
    public static class KeyReferences
    {
        // The one registry from a certificate object to its key: written where certificates leave, read where they come back (LayerOrderTests keeps it so).
        private static readonly ConditionalWeakTable<X509Certificate2, KeyReference> HandedOut = new();

        /// <summary>Remembers the key of a certificate object being handed out, for when the caller gives the object back.</summary>
        public static void Remember(KeyReference reference)
        {
            ArgumentNullException.ThrowIfNull(reference);
            HandedOut.AddOrUpdate(reference.Certificate, reference);
        }

        /// <summary>
        /// The key of a certificate a caller gives back: the one remembered when it was handed out, else the .NET key
        /// the object holds (from <paramref name="heldKeyLocation"/>: a store, or a file .NET loaded), else null.
        /// </summary>
        public static KeyReference? OfCallerCertificate(X509Certificate2 certificate, KeyLocation heldKeyLocation)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            return HandedOut.TryGetValue(certificate, out var remembered) ? remembered : DotNetKeyReference.Of(certificate, heldKeyLocation);
        }
    }
}
