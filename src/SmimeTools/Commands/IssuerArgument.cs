using System;
using System.Linq;
using System.Management.Automation;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Commands
{
    /// <summary>
    /// The CA identity given to -Issuer (an object from New-SmimeCertificate or Get-SmimeCertificate, a Cert: item, a
    /// pkcs11: URI), and its key opened once, on first use, so -WhatIf opens no key and a token asks for its PIN once.
    /// </summary>
    internal sealed class IssuerArgument : IDisposable
    {
        private readonly PSCmdlet _cmdlet;
        private PrivateKey? _key;

        private IssuerArgument(PSCmdlet cmdlet, CertificateEntry entry)
        {
            _cmdlet = cmdlet;
            Entry = entry;
        }

        public CertificateEntry Entry { get; }

        /// <summary>The one identity (certificate with key) among what -Issuer names; a clear error otherwise.</summary>
        public static IssuerArgument Resolve(PSCmdlet cmdlet, object issuer)
        {
            var entries = CertificateArguments.Entries(new[] { issuer }, "Issuer", cmdlet.GetUnresolvedProviderPathFromPSPath);
            var identities = entries.Where(e => e.Key != null).ToList();
            if (identities.Count == 1)
            {
                return new IssuerArgument(cmdlet, identities[0]);
            }

            if (identities.Count > 1)
            {
                throw new SmimeException(ErrorIds.AmbiguousCertificate, SmimeErrorKind.InvalidArgument,
                    $"-Issuer names {identities.Count} identities: {string.Join(", ", identities.Select(e => e.Certificate.Subject))}.",
                    "Pass the one CA identity, for example -Issuer (Get-SmimeCertificate ca.p12 -Password $pw | Where-Object Subject -eq 'CN=Test CA').", issuer);
            }

            var certificate = entries.FirstOrDefault()?.Certificate;
            throw new SmimeException(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidArgument,
                certificate == null ? "-Issuer names no certificate." : $"The CA certificate '{certificate.Subject}' given to -Issuer comes without its private key.",
                "Pass the CA identity with its key: the object New-SmimeCertificate -SelfSigned -CertificateAuthority returned, Get-SmimeCertificate ca.p12 -Password $pw, a Cert: item with a key, or a pkcs11: URI.",
                issuer);
        }

        /// <summary>The CA's key, opened (and a token logged in to) the first time it is needed.</summary>
        public PrivateKey Key => _key ??= PrivateKeys.Open(Entry.Key!, TokenPinPrompt.For(_cmdlet));

        public void Dispose()
        {
            _key?.Dispose();
            _key = null;
        }
    }
}
