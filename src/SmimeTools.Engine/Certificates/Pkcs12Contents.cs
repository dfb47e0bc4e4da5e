using System.Collections.Generic;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>What a PKCS#12 file holds once opened: its keys, each with the certificate it belongs to, and the other certificates.</summary>
    internal sealed class Pkcs12Contents
    {
        public List<Pkcs12KeyEntry> Keys { get; } = new();

        /// <summary>Every certificate in file order, those of the keys included.</summary>
        public List<Pkcs12CertificateEntry> Certificates { get; } = new();

        /// <summary>True when the file carries an integrity MAC (and the password matched it).</summary>
        public bool HasMac { get; set; }

        /// <summary>The MAC's digest or scheme OID, for tests and messages; null without a MAC.</summary>
        public string? MacAlgorithm { get; set; }
    }
}
