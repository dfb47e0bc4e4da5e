using System;
using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Keys
{
    /// <summary>The key .NET holds for the certificate object itself: a certificate store's key, or one .NET loaded from a file.</summary>
    public sealed class DotNetKeyReference : KeyReference
    {
        /// <summary>The key of <paramref name="certificate"/>, which .NET got from <paramref name="location"/>: a store or a file.</summary>
        public DotNetKeyReference(X509Certificate2 certificate, KeyLocation location)
            : base(certificate)
        {
            if (!certificate.HasPrivateKey)
            {
                throw new ArgumentException($"'{certificate.Subject}' holds no .NET private key.", nameof(certificate));
            }

            if (location is not (KeyLocation.Store or KeyLocation.File))
            {
                throw new ArgumentOutOfRangeException(nameof(location), location, "A key .NET holds comes from a store or a file.");
            }

            Location = location;
        }

        public override KeyLocation Location { get; }

        /// <summary>The reference to the certificate object's own key, or null when .NET holds none for it.</summary>
        public static DotNetKeyReference? Of(X509Certificate2 certificate, KeyLocation location)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            return certificate.HasPrivateKey ? new DotNetKeyReference(certificate, location) : null;
        }
    }
}
