using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Import-SmimeCertificate: puts public certificates into a store on every OS — correspondents into
    /// Cert:\CurrentUser\AddressBook (the default), and the CAs or single certificates you decide to trust into
    /// Cert:\CurrentUser\Root, where signature verification finds its anchors.
    /// </summary>
    [Cmdlet(VerbsData.Import, "SmimeCertificate", DefaultParameterSetName = ParameterSets.Path, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType("SmimeTools.Engine.Certificates.IdentityRecord")]
    public sealed class ImportSmimeCertificateCommand : FileCmdlet
    {
        private const string CertificateSet = "Certificate";

        private CertificateImporter? _importer;
        private TokenWriter? _tokenWriter;

        /// <summary>Certificates, for example from Get-SmimeCertificate.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public X509Certificate2[] Certificate { get; set; } = Array.Empty<X509Certificate2>();

        /// <summary>The store to add to: AddressBook for correspondents, Root to trust a CA or a certificate.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(CertStoreLocationCompleter))]
        [ValidateNotNullOrEmpty]
        public string CertStoreLocation { get; set; } = @"Cert:\CurrentUser\AddressBook";

        /// <summary>Store each certificate on a token of this PKCS#11 library, beside the key pair it was issued for.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Pkcs11Module { get; set; }

        /// <summary>With -Pkcs11Module: the token, by label or serial number (needed when the library has several).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Token { get; set; }

        /// <summary>With -Pkcs11Module: the token's user PIN; asked for when it is not given.</summary>
        [Parameter]
        public System.Security.SecureString? Pin { get; set; }

        protected override void BeginProcessing()
        {
            if (Pkcs11Module != null)
            {
                // The session opens (and the PIN is asked for) only when the first certificate is confirmed.
                _tokenWriter = CloseOnStop(new TokenWriter(TokenArguments.ModulePath(this, Pkcs11Module), Token, Pin, TokenPinPrompt.For(this)));
                return;
            }

            try
            {
                _importer = CloseOnStop(new CertificateImporter(CertificateStorePath.Parse(CertStoreLocation)));
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, CertStoreLocation);
            }
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == CertificateSet)
            {
                foreach (var certificate in Certificate)
                {
                    Import(certificate, "(pipeline)");
                }

                return;
            }

            foreach (var path in ResolvedPaths())
            {
                IReadOnlyList<CertificateEntry> entries;
                try
                {
                    entries = CertificateFileReader.ReadFile(path);
                }
                catch (SmimeException e)
                {
                    WriteEngineError(e, path);
                    continue;
                }

                foreach (var entry in entries)
                {
                    Import(entry.Certificate, path);
                }
            }
        }

        protected override void EndProcessing()
        {
            _importer?.Dispose();
            _tokenWriter?.Dispose();
        }

        private void Import(X509Certificate2 certificate, string source)
        {
            if (_tokenWriter != null)
            {
                ImportToToken(_tokenWriter, certificate, source);
                return;
            }

            var importer = _importer!;
            var action = importer.IsTrustStore
                ? "Trust as a root for S/MIME signatures (a security decision: check the thumbprint with its owner)"
                : "Add to the certificate store";
            if (!ShouldProcess($"{certificate.Subject} ({certificate.Thumbprint}) -> {importer.Store.DisplayPath}", action))
            {
                return;
            }

            try
            {
                WriteObject(importer.Add(certificate, source));
            }
            catch (SmimeException e)
            {
                WriteEngineError(e, certificate);
            }
        }

        private void ImportToToken(TokenWriter writer, X509Certificate2 certificate, string source)
        {
            var token = Token == null ? $"the token of {Pkcs11Module}" : $"token '{Token}'";
            if (!ShouldProcess($"{certificate.Subject} ({certificate.Thumbprint}) -> {token}", "Store beside its key pair on the token"))
            {
                return;
            }

            try
            {
                writer.Open();
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, Pkcs11Module);
            }

            try
            {
                WriteObject(writer.StoreCertificate(certificate, source));
            }
            catch (SmimeException e)
            {
                WriteEngineError(e, certificate);
            }
        }
    }
}
