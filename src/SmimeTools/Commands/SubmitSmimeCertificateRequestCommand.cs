using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Enrolment.Scep;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Submit-SmimeCertificateRequest: sends PKCS#10 requests to a SCEP server (RFC 8894) and returns what the CA answered,
    /// one result per request: Issued with the certificate, Pending, or Failed with the CA's reason. The key that signs
    /// the request is a PKCS#8 key file, a token key, or (to renew) an existing identity.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Submit, "SmimeCertificateRequest", DefaultParameterSetName = KeyFileSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ScepEnrolmentResult))]
    public sealed class SubmitSmimeCertificateRequestCommand : SmimeCmdlet
    {
        private const string KeyFileSet = "KeyFile";
        private const string KeyUriSet = "KeyUri";
        private const string IdentitySet = "Identity";

        private ScepClient? _client;

        /// <summary>The SCEP server's URL, such as http://ca.example/scep (GetCACaps, GetCACert and PKIOperation are asked of it).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public Uri? Url { get; set; }

        /// <summary>The PKCS#10 request: PEM text, or the path of a PEM or DER request file. Binds the Pem property of request objects.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Pem")]
        [ValidateNotNullOrEmpty]
        public string Request { get; set; } = string.Empty;

        /// <summary>The request's private key as a PKCS#8 PEM (or DER) file, encrypted (PBES2) or not.</summary>
        [Parameter(Mandatory = true, ParameterSetName = KeyFileSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? KeyFile { get; set; }

        /// <summary>The password of an encrypted -KeyFile.</summary>
        [Parameter(ParameterSetName = KeyFileSet)]
        public SecureString? KeyPassword { get; set; }

        /// <summary>The request's private key on a token, as an RFC 7512 pkcs11: URI with its id (the KeyUri of New-SmimeCertificateRequest).</summary>
        [Parameter(Mandatory = true, ParameterSetName = KeyUriSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? KeyUri { get; set; }

        /// <summary>The PKCS#11 library of the token, unless the URI names it (module-path).</summary>
        [Parameter(ParameterSetName = KeyUriSet)]
        [ValidateNotNullOrEmpty]
        public string? Pkcs11Module { get; set; }

        /// <summary>The token's user PIN; asked for when it is needed and not given.</summary>
        [Parameter(ParameterSetName = KeyUriSet)]
        public SecureString? Pin { get; set; }

        /// <summary>The identity to renew (a certificate with its private key): the request goes as a RenewalReq signed with it.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IdentitySet)]
        [ValidateNotNull]
        public X509Certificate2? Identity { get; set; }

        /// <summary>The challenge password the CA asks for; it is put into the request's challengePassword attribute.</summary>
        [Parameter]
        public SecureString? Challenge { get; set; }

        /// <summary>Let a server without AES and SHA-256 get the RFC's fallback, triple DES and SHA-1.</summary>
        [Parameter]
        public SwitchParameter AllowWeakAlgorithm { get; set; }

        /// <summary>Seconds between polls (CertPoll) while the CA answers PENDING; 10 by default.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int PollInterval { get; set; } = 10;

        /// <summary>Seconds to keep polling before returning a Pending result; 300 by default, 0 returns Pending at once.</summary>
        [Parameter]
        [ValidateRange(0, 7 * 86400)]
        public int Timeout { get; set; } = 300;

        protected override void ProcessRecord()
        {
            var what = DescribeRequest(out var data);
            if (data == null || !ShouldProcess($"{what} with {KeyDescription()}", $"Submit to the SCEP server {Url}"))
            {
                return;
            }

            try
            {
                _client ??= new ScepClient(Url!);
                var result = _client.Enrol(new ScepEnrolmentRequest
                {
                    Request = data,
                    Description = what,
                    Key = RequestKey(),
                    Challenge = Challenge,
                    AllowWeakAlgorithm = AllowWeakAlgorithm.IsPresent,
                    PollInterval = TimeSpan.FromSeconds(PollInterval),
                    Timeout = TimeSpan.FromSeconds(Timeout),
                }, StopToken);
                WriteObject(result);
                if (result.Status == ScepEnrolmentStatus.Failed)
                {
                    WriteEngineError(new SmimeException(ErrorIds.EnrolmentRejected, SmimeErrorKind.SecurityError,
                        $"The CA at {Url} refused {what} ({result.FailInfo}): {result.Message}",
                        "Correct what the CA names (the challenge password, the subject, the algorithms) and submit a new request.", what), Request);
                }
                else if (result.Status == ScepEnrolmentStatus.Pending)
                {
                    WriteWarning($"{what} is still pending at {Url} (transaction {result.TransactionId}): {result.Message}");
                }
            }
            catch (SmimeException e)
            {
                WriteEngineError(e, Request);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _client?.Dispose();
            }

            base.Dispose(disposing);
        }

        /// <summary>The request as bytes (null after a per-item error) and how to name it: its file, or its PEM text.</summary>
        private string DescribeRequest(out byte[]? data)
        {
            data = null;
            if (Request.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                data = Encoding.ASCII.GetBytes(Request);
                return "the certificate request";
            }

            var path = GetUnresolvedProviderPathFromPSPath(Request);
            try
            {
                data = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteEngineError(new SmimeException(ErrorIds.InvalidCertificateRequest, SmimeErrorKind.ReadError,
                    $"Cannot read the certificate request '{path}': {e.Message}", "Give PEM request text or the path of a request file.", path, e), Request);
            }

            return $"the certificate request '{path}'";
        }

        private string KeyDescription() => ParameterSetName switch
        {
            KeyUriSet => $"the token key {KeyUri}",
            IdentitySet => $"the identity '{Identity!.Subject}' ({Identity.Thumbprint})",
            _ => $"the key file '{KeyFile}'",
        };

        private ScepRequestKey RequestKey()
        {
            switch (ParameterSetName)
            {
                case KeyUriSet:
                    var module = Pkcs11Module == null ? null : TokenArguments.ModulePath(this, Pkcs11Module);
                    return ScepRequestKey.FromToken(KeyUri!, module, Pin, TokenPinPrompt.For(this));
                case IdentitySet:
                    var key = CertificateOutput.EntryOf(Identity!, "-Identity").Key
                        ?? throw new SmimeException(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidArgument,
                            $"The certificate '{Identity!.Subject}' ({Identity.Thumbprint}) has no private key here, so it cannot sign a renewal.",
                            "Give the identity with its key, as Get-SmimeCertificate -HasPrivateKey finds it.", Identity);
                    return ScepRequestKey.FromIdentity(key, TokenPinPrompt.For(this));
                default:
                    return ScepRequestKey.FromFile(GetUnresolvedProviderPathFromPSPath(KeyFile!), KeyPassword);
            }
        }
    }
}
