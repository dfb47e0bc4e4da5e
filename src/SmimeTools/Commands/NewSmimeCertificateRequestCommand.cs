using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Enrolment;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Commands
{
    /// <summary>
    /// New-SmimeCertificateRequest: makes key pairs and PKCS#10 requests for S/MIME certificates, for one user or a
    /// whole CSV of them: keys in encrypted PKCS#8 files, in the user's store, or on a PKCS#11 token. With -StateFile a
    /// batch records every request and resumes from it, never making a second key for a user who has one pending.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "SmimeCertificateRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CertificateRequestRecord))]
    public sealed class NewSmimeCertificateRequestCommand : SmimeCmdlet
    {
        private const string ProgressActivity = "Making certificate requests";
        private readonly List<(RequestSpecification Specification, object Target)> _rows = new();

        /// <summary>The subject as a distinguished name: 'CN=Alice Example, O=Example'; built from -CommonName and the address when absent.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        public string? Subject { get; set; }

        /// <summary>The common name for a subject built as CN=..., E=address (when -Subject is absent).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? CommonName { get; set; }

        /// <summary>The addresses the certificate is for (subject alternative names); the first names the user.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string[] Email { get; set; } = Array.Empty<string>();

        /// <summary>The key pair to generate: Rsa2048 (the default), Rsa3072, Rsa4096, P256 or P384.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public TokenKeyType KeyType { get; set; } = TokenKeyType.Rsa2048;

        /// <summary>Combined (one key and request) or Separate (a signing and an encryption key and request per user).</summary>
        [Parameter]
        public RequestUsage Usage { get; set; } = RequestUsage.Combined;

        /// <summary>The PKCS#11 library of the token that generates and keeps the keys.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Pkcs11Module { get; set; }

        /// <summary>The token, by label or serial number; a row with a Token makes its key on that token.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Token { get; set; }

        /// <summary>The token's user PIN; asked for when it is not given.</summary>
        [Parameter]
        public SecureString? Pin { get; set; }

        /// <summary>A store (Cert:\CurrentUser\My) to keep the key in and install the identity to; a row with a Store makes a store key.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Store { get; set; }

        /// <summary>The password software keys are encrypted under.</summary>
        [Parameter]
        public SecureString? KeyPassword { get; set; }

        /// <summary>A script that returns each user's key password: $_ has Email, Subject and Purpose.</summary>
        [Parameter]
        public ScriptBlock? KeyPasswordPerUser { get; set; }

        /// <summary>The folder software keys are written to; the state file's folder, else the current one, by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KeyFolder { get; set; }

        /// <summary>The label (CKA_LABEL) of new token keys; the subject's common name by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Label { get; set; }

        /// <summary>A file to write the PEM request to (one request).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutFile { get; set; }

        /// <summary>A folder to write every request to, as address.csr (address-signing.csr, address-encryption.csr).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutFolder { get; set; }

        /// <summary>The JSON file that records the batch; a rerun with it resumes.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StateFile { get; set; }

        /// <summary>Replace request files that exist.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>The row itself, so that errors name it; bound from the pipeline.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject { get; set; }

        protected override void ProcessRecord()
        {
            var store = Clean(Store);
            var token = Clean(Token);
            var location = token != null ? PendingKeyLocation.Token : store != null ? PendingKeyLocation.Store
                : Pkcs11Module != null ? PendingKeyLocation.Token : PendingKeyLocation.File;
            var specification = new RequestSpecification
            {
                Subject = Clean(Subject),
                CommonName = Clean(CommonName),
                Emails = Email.Where(e => !string.IsNullOrWhiteSpace(e)).SelectMany(e => e.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
                KeyType = KeyType,
                Usage = Usage,
                Location = location,
                Token = token,
                Label = Label,
                RequestFile = OutFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutFile),
                RequestFolder = OutFolder == null ? null : GetUnresolvedProviderPathFromPSPath(OutFolder),
                Overwrite = Force.IsPresent,
            };
            _rows.Add((specification, (object?)InputObject ?? specification.Emails.FirstOrDefault() ?? Subject ?? string.Empty));
            if (store != null)
            {
                try
                {
                    specification.Store = CertificateStorePath.Parse(store);
                }
                catch (SmimeException e)
                {
                    _rows.RemoveAt(_rows.Count - 1);
                    WriteEngineError(e, InputObject ?? (object)store);
                }
            }
        }

        protected override void EndProcessing()
        {
            EnrolmentState state;
            try
            {
                state = StateFile == null ? EnrolmentState.InMemory() : EnrolmentState.Open(GetUnresolvedProviderPathFromPSPath(StateFile));
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, StateFile);
                return;
            }

            var keyFolder = KeyFolder != null ? GetUnresolvedProviderPathFromPSPath(KeyFolder)
                : state.Path != null ? Path.GetDirectoryName(state.Path)! : SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            var writers = new Dictionary<string, TokenWriter>(StringComparer.Ordinal);
            TokenWriter TokenFor(string? selector)
            {
                if (Pkcs11Module == null)
                {
                    throw new SmimeException(ErrorIds.InvalidRequest, SmimeErrorKind.InvalidArgument,
                        $"A request is for a key on token '{selector}', but no PKCS#11 library was given.", "Give -Pkcs11Module with the token's library.", selector);
                }

                var key = selector ?? Token ?? string.Empty;
                if (!writers.TryGetValue(key, out var writer))
                {
                    writer = new TokenWriter(TokenArguments.ModulePath(this, Pkcs11Module), key.Length == 0 ? null : key, Pin, TokenPinPrompt.For(this));
                    writers[key] = writer;
                }

                return writer;
            }

            var requester = new CertificateRequester(state, TokenFor);
            try
            {
                for (var i = 0; i < _rows.Count && !StopToken.IsCancellationRequested; i++)
                {
                    var (specification, target) = _rows[i];
                    WriteProgress(new ProgressRecord(1, ProgressActivity, $"{i + 1} of {_rows.Count}: {specification.Emails.FirstOrDefault() ?? specification.Subject}")
                    {
                        PercentComplete = i * 100 / _rows.Count,
                    });
                    RequestOne(requester, specification, target, keyFolder);
                }
            }
            finally
            {
                foreach (var writer in writers.Values)
                {
                    writer.Dispose();
                }

                WriteProgress(new ProgressRecord(1, ProgressActivity, $"{_rows.Count} row(s) done") { RecordType = ProgressRecordType.Completed });
            }
        }

        private void RequestOne(CertificateRequester requester, RequestSpecification specification, object target, string keyFolder)
        {
            try
            {
                var subject = CertificateRequester.SubjectOf(specification);
                var fresh = requester.NewPurposes(specification);
                if (fresh.Count > 0)
                {
                    var where = specification.Location switch
                    {
                        PendingKeyLocation.File => $"an encrypted key file in {keyFolder}",
                        PendingKeyLocation.Store => $"the store {specification.Store?.DisplayPath ?? CertificateStorePath.CurrentUserMy.DisplayPath}",
                        _ => $"token '{specification.Token ?? Token ?? "(the only one)"}' of {Pkcs11Module}",
                    };
                    var action = $"Generate {fresh.Count} {SoftwareKeyPair.Describe(specification.KeyType)} key pair(s) ({string.Join(", ", fresh)}) in {where} and certificate request(s)";
                    if (!ShouldProcess(subject.Name, action))
                    {
                        return;
                    }
                }

                if (specification.Location == PendingKeyLocation.File)
                {
                    specification.KeyFolder = keyFolder;
                    specification.KeyPassword = KeyPasswordPerUser != null && fresh.Count > 0
                        ? KeyPasswordScript.PasswordFor(KeyPasswordPerUser, UserOf(specification.Emails.FirstOrDefault(), subject.Name, fresh[0]), specification.Emails.FirstOrDefault() ?? subject.Name)
                        : KeyPassword;
                }

                var failures = new List<SmimeException>();
                foreach (var record in requester.Request(specification, failures))
                {
                    if (record.Resumed)
                    {
                        WriteVerbose($"{record.Email} ({record.Purpose}) has a {record.Status} request in the state file already; no new key was made.");
                    }

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

        /// <summary>What a -KeyPasswordPerUser script gets as $_.</summary>
        internal static PSObject UserOf(string? email, string subject, RequestPurpose purpose)
        {
            var user = new PSObject();
            user.Properties.Add(new PSNoteProperty("Email", email));
            user.Properties.Add(new PSNoteProperty("Subject", subject));
            user.Properties.Add(new PSNoteProperty("Purpose", purpose));
            return user;
        }

        private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
