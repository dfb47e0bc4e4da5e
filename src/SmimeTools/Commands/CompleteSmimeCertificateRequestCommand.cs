using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Enrolment;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Complete-SmimeCertificateRequest: takes the certificates a CA issued for the requests of an enrolment, matches each
    /// to its pending key by the public key, installs it beside the key (PKCS#12 file, store or token), publishes it to a
    /// directory when asked, and updates the state file. Ends with a summary of who is installed, pending or failed.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Complete, "SmimeCertificateRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(EnrolmentSummary), typeof(CompletionRecord))]
    public sealed class CompleteSmimeCertificateRequestCommand : SmimeCmdlet
    {
        private const string ProgressActivity = "Completing certificate requests";
        private readonly Dictionary<string, TokenWriter> _writers = new(StringComparer.Ordinal);
        private EnrolmentState? _state;
        private RequestCompleter? _completer;
        private CompletionOptions? _options;
        private int _done;

        /// <summary>The state file New-SmimeCertificateRequest -StateFile wrote.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string StateFile { get; set; } = string.Empty;

        /// <summary>Issued certificates: X509Certificate2 objects, or objects with a Certificate property (Submit-SmimeCertificateRequest).</summary>
        [Parameter(Position = 0, ValueFromPipeline = true)]
        public object[] Certificate { get; set; } = Array.Empty<object>();

        /// <summary>Certificate files (PEM, DER, PKCS#7) to complete the requests with.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>The folder the PKCS#12 files of software keys are written to, as address.p12.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutFolder { get; set; }

        /// <summary>The password of every PKCS#12 file written.</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        /// <summary>A script that returns each PKCS#12 file's password; $_ is the certificate.</summary>
        [Parameter]
        public ScriptBlock? PasswordPerIdentity { get; set; }

        /// <summary>The password the software keys were encrypted under.</summary>
        [Parameter]
        public SecureString? KeyPassword { get; set; }

        /// <summary>A script that returns each user's key password: $_ has Email, Subject and Purpose.</summary>
        [Parameter]
        public ScriptBlock? KeyPasswordPerUser { get; set; }

        /// <summary>CA certificates for the chain put into PKCS#12 files, besides those that came with each certificate.</summary>
        [Parameter]
        public X509Certificate2[] Chain { get; set; } = Array.Empty<X509Certificate2>();

        /// <summary>The PKCS#11 library of token keys, when it is not where the state file says.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Pkcs11Module { get; set; }

        /// <summary>The token's user PIN; asked for when it is not given.</summary>
        [Parameter]
        public SecureString? Pin { get; set; }

        /// <summary>Store keys stay exportable (Windows and macOS).</summary>
        [Parameter]
        public SwitchParameter Exportable { get; set; }

        /// <summary>Publish each installed certificate to -Directory.</summary>
        [Parameter]
        public SwitchParameter Publish { get; set; }

        /// <summary>The directory to publish to: an ldaps:// or ldap:// URI, or an object from New-SmimeDirectory.</summary>
        [Parameter]
        public object? Directory { get; set; }

        /// <summary>Who may change the directory's entries.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>Upgrade an ldap:// connection with StartTLS.</summary>
        [Parameter]
        public SwitchParameter StartTls { get; set; }

        /// <summary>CA certificates (or files) the directory's TLS certificate may chain to.</summary>
        [Parameter]
        public object[]? DirectoryTrustedRoot { get; set; }

        /// <summary>Replace PKCS#12 files that exist.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Write a record for each certificate installed, before the summary.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                _state = EnrolmentState.Open(GetUnresolvedProviderPathFromPSPath(StateFile));
                _options = new CompletionOptions
                {
                    OutFolder = OutFolder == null ? null : GetUnresolvedProviderPathFromPSPath(OutFolder),
                    Overwrite = Force.IsPresent,
                    Exportable = Exportable.IsPresent,
                    Pkcs12Password = c => PasswordPerIdentity != null ? IdentityPasswordScript.PasswordFor(PasswordPerIdentity, c) : Password,
                    KeyPassword = e => KeyPasswordPerUser != null
                        ? KeyPasswordScript.PasswordFor(KeyPasswordPerUser, NewSmimeCertificateRequestCommand.UserOf(e.Email, e.Subject, e.Purpose), e.Email)
                        : KeyPassword,
                    Tokens = TokenFor,
                };
                foreach (var authority in Chain.Where(c => c != null))
                {
                    _options.Chain.Add(authority);
                }

                if (Publish)
                {
                    if (Directory == null)
                    {
                        throw new SmimeException(ErrorIds.InvalidDirectoryUri, SmimeErrorKind.InvalidArgument,
                            "-Publish needs -Directory: the directory to publish the certificates to.", "Give -Directory ldaps://host/base-DN or a New-SmimeDirectory object.", null);
                    }

                    var directory = DirectoryArguments.Directories(new[] { Directory }, Credential, StartTls,
                        DirectoryArguments.TrustedRoots(DirectoryTrustedRoot, GetUnresolvedProviderPathFromPSPath), null, 2).Single();
                    _options.Publisher = new DirectoryPublisher(DirectoryArguments.Source(directory, StopToken, WriteVerbose, TimeSpan.Zero));
                }

                _completer = new RequestCompleter(_state, _options);
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, StateFile);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var item in Certificate.Where(c => c != null))
            {
                var certificate = Unwrap(item);
                if (certificate == null)
                {
                    WriteEngineError(new SmimeException(ErrorIds.NoCertificateInFile, SmimeErrorKind.InvalidArgument,
                        $"'{item}' is neither a certificate nor an object with a Certificate property.",
                        "Give X509Certificate2 objects (New-SmimeCertificate, Get-SmimeCertificate) or enrolment results (Submit-SmimeCertificateRequest).", item), item);
                    continue;
                }

                CompleteOne(certificate, "pipeline", item);
            }
        }

        protected override void EndProcessing()
        {
            // Files once, after the pipeline: ProcessRecord runs once per piped certificate.
            foreach (var path in Path)
            {
                IEnumerable<string> files;
                try
                {
                    files = GetResolvedProviderPathFromPSPath(path, out _);
                }
                catch (ItemNotFoundException e)
                {
                    WriteEngineError(new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound, $"The certificate file '{path}' does not exist.",
                        "Check the path of the file the CA issued.", path, e), path);
                    continue;
                }

                foreach (var resolved in files)
                {
                    IReadOnlyList<CertificateEntry> entries;
                    try
                    {
                        entries = CertificateFileReader.ReadFile(resolved);
                    }
                    catch (SmimeException e)
                    {
                        WriteEngineError(e, resolved);
                        continue;
                    }

                    foreach (var authority in entries.Where(e => ChainCollector.IsCertificateAuthority(e.Certificate)))
                    {
                        _options!.Chain.Add(authority.Certificate);
                    }

                    foreach (var entry in entries.Where(e => !ChainCollector.IsCertificateAuthority(e.Certificate)))
                    {
                        CompleteOne(entry.Certificate, resolved, resolved);
                    }
                }
            }

            WriteProgress(new ProgressRecord(1, ProgressActivity, $"{_done} certificate(s) done") { RecordType = ProgressRecordType.Completed });
            if (_state != null)
            {
                WriteObject(new EnrolmentSummary(_state));
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                foreach (var writer in _writers.Values)
                {
                    writer.Dispose();
                }

                _writers.Clear();
                _options?.Publisher?.Dispose();
            }

            base.Dispose(disposing);
        }

        private void CompleteOne(X509Certificate2 certificate, string source, object target)
        {
            WriteProgress(new ProgressRecord(1, ProgressActivity, $"{_done} done; now {certificate.Subject}"));
            try
            {
                var entry = _completer!.Match(certificate);
                var where = entry.KeyLocation switch
                {
                    PendingKeyLocation.File => $"a PKCS#12 file in {_options!.OutFolder ?? "(no -OutFolder)"}",
                    PendingKeyLocation.Store => $"the store {entry.Store}",
                    _ => $"token '{entry.TokenLabel}'",
                };
                if (!ShouldProcess($"{entry.Email} ({entry.Purpose})", $"Install certificate {certificate.Thumbprint} with its key in {where}{(Publish ? " and publish it" : string.Empty)}"))
                {
                    return;
                }

                var failures = new List<SmimeException>();
                var record = _completer.Complete(certificate, source, failures);
                _done++;
                if (record.AlreadyInstalled)
                {
                    WriteVerbose($"{record.Email} ({record.Purpose}) has {record.Thumbprint} installed already, at {record.InstalledTo}.");
                }

                if (PassThru)
                {
                    WriteObject(record);
                }

                foreach (var failure in failures)
                {
                    WriteEngineError(failure, target);
                }
            }
            catch (SmimeException e)
            {
                WriteEngineError(e, target);
            }
        }

        private TokenWriter TokenFor(EnrolmentEntry entry)
        {
            var module = Pkcs11Module != null ? TokenArguments.ModulePath(this, Pkcs11Module) : entry.ModulePath ?? string.Empty;
            var key = module + "|" + entry.TokenSerial;
            if (!_writers.TryGetValue(key, out var writer))
            {
                writer = new TokenWriter(module, entry.TokenSerial, Pin, TokenPinPrompt.For(this));
                _writers[key] = writer;
            }

            return writer;
        }

        /// <summary>An X509Certificate2, or the Certificate property of an enrolment result.</summary>
        private static X509Certificate2? Unwrap(object item)
        {
            var value = item is PSObject wrapped ? wrapped.BaseObject : item;
            if (value is X509Certificate2 certificate)
            {
                return certificate;
            }

            var property = PSObject.AsPSObject(item).Properties["Certificate"]?.Value;
            return (property is PSObject inner ? inner.BaseObject : property) as X509Certificate2;
        }
    }
}
