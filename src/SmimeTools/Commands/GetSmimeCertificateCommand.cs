using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Get-SmimeCertificate: finds certificates, and the identities that have keys, in files and folders, certificate
    /// stores and the pipeline, by address, thumbprint, use, validity and key.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SmimeCertificate", DefaultParameterSetName = ParameterSets.Path)]
    [OutputType(typeof(X509Certificate2))]
    public sealed partial class GetSmimeCertificateCommand : FileCmdlet
    {
        private const string Pkcs11Set = "Pkcs11";
        private const string Pkcs11UriSet = "Pkcs11Uri";
        private const string NssProfileSet = "NssProfile";

        /// <summary>Files or folders to read; wildcards are expanded; paths also come from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.Path, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public override string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Certificate stores to read: Cert:\CurrentUser\My, Cert:\CurrentUser\AddressBook, Cert:\LocalMachine\Root...</summary>
        [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Store)]
        [ArgumentCompleter(typeof(CertStoreLocationCompleter))]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] CertStoreLocation { get; set; } = Array.Empty<string>();

        /// <summary>Certificates to filter, for example from Get-ChildItem Cert:\CurrentUser\My.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Certificate, ValueFromPipeline = true)]
        [ValidateNotNull]
        public X509Certificate2[] Certificate { get; set; } = Array.Empty<X509Certificate2>();

        /// <summary>The PKCS#11 library of a smart card, USB token or HSM (or a pkcs11: URI): lists the certificates on its tokens.</summary>
        [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set)]
        [Parameter(ParameterSetName = Pkcs11UriSet)]
        [Parameter(ParameterSetName = NssProfileSet)]
        [ValidateNotNullOrEmpty]
        public string? Pkcs11Module { get; set; }

        /// <summary>A Thunderbird or Firefox profile folder (cert9.db, key4.db), read through NSS's softokn module.</summary>
        [Parameter(Mandatory = true, ParameterSetName = NssProfileSet)]
        [ValidateNotNullOrEmpty]
        public string? NssProfile { get; set; }

        /// <summary>An RFC 7512 URI naming a token or an object on it: pkcs11:token=...;id=...?module-path=...</summary>
        [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet)]
        [ValidateNotNullOrEmpty]
        public string? Pkcs11Uri { get; set; }

        /// <summary>The token to read, by label or serial number; without it, every token of the library.</summary>
        [Parameter(ParameterSetName = Pkcs11Set)]
        [ValidateNotNullOrEmpty]
        public string? Token { get; set; }

        /// <summary>The token's user PIN: logs in to see private keys, and is kept with the certificates for signing and decrypting later.</summary>
        [Parameter(ParameterSetName = Pkcs11Set)]
        [Parameter(ParameterSetName = Pkcs11UriSet)]
        [Parameter(ParameterSetName = NssProfileSet)]
        public SecureString? Pin { get; set; }

        /// <summary>Password of PKCS#12 files and encrypted PEM keys.</summary>
        [Parameter(ParameterSetName = ParameterSets.Path)]
        [Parameter(ParameterSetName = ParameterSets.LiteralPath)]
        public SecureString? Password { get; set; }

        /// <summary>Most key-derivation and MAC iterations one PKCS#12 file may have run, all its steps together (2,000,000 by default).</summary>
        [Parameter(ParameterSetName = ParameterSets.Path)]
        [Parameter(ParameterSetName = ParameterSets.LiteralPath)]
        [ValidateRange(1, long.MaxValue)]
        public long MaximumPkcs12Iterations { get; set; }

        /// <summary>Search folders and their subfolders.</summary>
        [Parameter(ParameterSetName = ParameterSets.Path)]
        [Parameter(ParameterSetName = ParameterSets.LiteralPath)]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Only certificates that carry one of these addresses (case-insensitive, IDN-aware).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Email { get; set; }

        /// <summary>Only certificates with one of these SHA-1 thumbprints.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Thumbprint { get; set; }

        /// <summary>Only certificates that may be used for this: Signing or Encryption.</summary>
        [Parameter]
        public CertificateUsage Usage { get; set; }

        /// <summary>Only certificates valid now, or at -At.</summary>
        [Parameter]
        public SwitchParameter Valid { get; set; }

        /// <summary>The time -Valid checks at; giving it implies -Valid.</summary>
        [Parameter]
        public DateTime At { get; set; }

        /// <summary>Only certificates whose private key is at hand.</summary>
        [Parameter]
        public SwitchParameter HasPrivateKey { get; set; }

        private CertificateQuery _query = new();

        protected override void BeginProcessing()
        {
            _query = new CertificateQuery
            {
                Emails = Email ?? Array.Empty<string>(),
                Thumbprints = Thumbprint ?? Array.Empty<string>(),
                Usage = MyInvocation.BoundParameters.ContainsKey(nameof(Usage)) ? Usage : null,
                Valid = Valid,
                At = MyInvocation.BoundParameters.ContainsKey(nameof(At)) ? At : null,
                RequirePrivateKey = HasPrivateKey,
            };

            if (!_query.IsEmpty)
            {
                WriteVerbose($"Keeping certificates that match: {_query}.");
            }
        }

        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case ParameterSets.Store:
                    foreach (var store in StorePaths())
                    {
                        Read(new StoreCertificateSource(store), store.DisplayPath);
                    }

                    break;
                case Pkcs11Set:
                case Pkcs11UriSet:
                case NssProfileSet:
                    ReadToken();
                    break;
                case DirectorySet:
                    ReadDirectories();
                    break;
                case ParameterSets.Certificate:
                    foreach (var certificate in Certificate.Where(c => c != null))
                    {
                        Write(CertificateOutput.EntryOf(certificate, "pipeline"));
                    }

                    break;
                default:
                    foreach (var path in ResolvedPaths())
                    {
                        var source = new FileCertificateSource(path, Password, Recurse) { Note = WriteVerbose, Limits = FileLimits() };
                        Read(source, path);
                    }

                    break;
            }
        }

        private InputLimits FileLimits() => MyInvocation.BoundParameters.ContainsKey(nameof(MaximumPkcs12Iterations))
            ? InputLimits.Default with { MaximumPkcs12Iterations = MaximumPkcs12Iterations }
            : InputLimits.Default;

        /// <summary>-Pkcs11Module / -Pkcs11Uri: the tokens' certificates, read without a login unless -Pin is given.</summary>
        private void ReadToken()
        {
            try
            {
                var uri = Pkcs11Uri ?? (Engine.Tokens.Pkcs11Uri.LooksLikeUri(Pkcs11Module) ? Pkcs11Module : null);
                var module = Pkcs11Module == null || uri == Pkcs11Module ? null : TokenArguments.ModulePath(this, Pkcs11Module);
                var source = NssProfile != null ? Pkcs11CertificateSource.ForNssProfile(GetUnresolvedProviderPathFromPSPath(NssProfile), module, Pin)
                    : uri != null ? Pkcs11CertificateSource.FromUri(uri, module, Pin)
                    : new Pkcs11CertificateSource(module!, Token, Pin);
                source.Note = WriteVerbose;

                // A library that cannot be used or a wrong PIN stops the command; one bad token of several does not.
                foreach (var entry in source.Read(problem => WriteEngineError(problem)))
                {
                    Write(entry);
                }
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, NssProfile ?? Pkcs11Uri ?? Pkcs11Module);
            }
        }

        /// <summary>-CertStoreLocation as store paths; a wildcard in the store name expands over the known stores.</summary>
        private IEnumerable<CertificateStorePath> StorePaths()
        {
            foreach (var text in CertStoreLocation)
            {
                IReadOnlyList<CertificateStorePath> stores;
                try
                {
                    stores = CertStoreLocations.Expand(text);
                }
                catch (SmimeException e)
                {
                    WriteEngineError(e, text);
                    continue;
                }

                if (WildcardPattern.ContainsWildcardCharacters(text))
                {
                    WriteVerbose($"'{text}' names {stores.Count} store(s): {string.Join(", ", stores)}.");
                }

                foreach (var store in stores)
                {
                    yield return store;
                }
            }
        }

        private void Read(CertificateSource source, object target)
        {
            try
            {
                foreach (var entry in source.Read(problem => WriteEngineError(problem)))
                {
                    if (StopToken.IsCancellationRequested)
                    {
                        return;
                    }

                    Write(entry);
                }
            }
            catch (SmimeException e)
            {
                WriteEngineError(e, target);
            }
        }

        private void Write(CertificateEntry entry)
        {
            if (_query.Matches(entry))
            {
                WriteObject(CertificateOutput.Decorate(entry));
            }
        }
    }
}
