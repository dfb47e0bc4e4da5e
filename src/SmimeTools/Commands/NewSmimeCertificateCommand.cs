using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Enrolment;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Commands
{
    /// <summary>
    /// New-SmimeCertificate: the local CA. Issues S/MIME certificates from PKCS#10 requests (the key stays where the
    /// request's key is) or together with a new key (returned as an identity, optionally written to PKCS#12), signed by
    /// -Issuer wherever its key lives; -SelfSigned makes throwaway identities and CAs in one line.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "SmimeCertificate", DefaultParameterSetName = GenerateSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(X509Certificate2))]
    public sealed class NewSmimeCertificateCommand : SmimeCmdlet
    {
        private const string RequestSet = "Request";
        private const string GenerateSet = "Generate";
        private const string SelfSignedSet = "SelfSigned";

        private IssuerArgument? _issuer;

        /// <summary>The PKCS#10 request: PEM text, or the path of a PEM or DER file; binds the Pem property of New-SmimeCertificateRequest's output.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RequestSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Pem")]
        [ValidateNotNullOrEmpty]
        public string Request { get; set; } = string.Empty;

        /// <summary>The CA identity that signs: an object from New-SmimeCertificate or Get-SmimeCertificate, a Cert: item with a key, or a pkcs11: URI.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RequestSet)]
        [Parameter(Mandatory = true, ParameterSetName = GenerateSet)]
        [ValidateNotNull]
        public object Issuer { get; set; } = null!;

        /// <summary>Make a self-signed certificate with a new key instead of asking a CA.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SelfSignedSet)]
        public SwitchParameter SelfSigned { get; set; }

        /// <summary>The subject, as a distinguished name: 'CN=Alice Example, O=Example'. With -Request, replaces the request's.</summary>
        [Parameter(ParameterSetName = RequestSet)]
        [Parameter(Mandatory = true, ParameterSetName = GenerateSet, Position = 0)]
        [Parameter(Mandatory = true, ParameterSetName = SelfSignedSet, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Subject { get; set; }

        /// <summary>The addresses (SAN rfc822Name). With -Request, replaces the addresses the request asks for.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] Email { get; set; } = Array.Empty<string>();

        /// <summary>The key pair to generate: Rsa2048 (the default), Rsa3072, Rsa4096, P256 or P384.</summary>
        [Parameter(ParameterSetName = GenerateSet)]
        [Parameter(ParameterSetName = SelfSignedSet)]
        public TokenKeyType KeyType { get; set; } = TokenKeyType.Rsa2048;

        /// <summary>What the certificate is for: Both (the default), Signing or Encryption; decides the key usage bits.</summary>
        [Parameter]
        public IssuedKeyUsage Usage { get; set; } = IssuedKeyUsage.Both;

        /// <summary>Make a CA certificate (basicConstraints cA, keyCertSign, cRLSign) rather than a mail user's.</summary>
        [Parameter]
        public SwitchParameter CertificateAuthority { get; set; }

        /// <summary>The end of validity; by default a year from now (ten years for a CA), never beyond the issuer's own end.</summary>
        [Parameter]
        public DateTime NotAfter { get; set; }

        /// <summary>URIs where the issuer's CRL is published (CRL distribution point), such as http://ca.example/ca.crl.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] CrlDistributionPoint { get; set; } = Array.Empty<string>();

        /// <summary>With a generated key: also write the identity to this PKCS#12 file (needs -Password).</summary>
        [Parameter(ParameterSetName = GenerateSet)]
        [Parameter(ParameterSetName = SelfSignedSet)]
        [ValidateNotNullOrEmpty]
        public string? OutFile { get; set; }

        /// <summary>The password of the PKCS#12 file -OutFile (PBES2, AES-256, PBKDF2-SHA256).</summary>
        [Parameter(ParameterSetName = GenerateSet)]
        [Parameter(ParameterSetName = SelfSignedSet)]
        public SecureString? Password { get; set; }

        /// <summary>Replace -OutFile when it exists.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Certify RSA keys under 2048 bits too (for tests of old keys only).</summary>
        [Parameter]
        public SwitchParameter AllowWeakAlgorithm { get; set; }

        protected override void BeginProcessing()
        {
            if (OutFile != null && Password == null)
            {
                ThrowEngineError(new SmimeException(ErrorIds.BadPassword, SmimeErrorKind.InvalidArgument,
                    $"-OutFile '{OutFile}' is a PKCS#12 file, and no -Password was given for it.",
                    "Add -Password (Read-Host -AsSecureString), or leave -OutFile out to keep the identity in memory only."), OutFile);
            }

            try
            {
                if (ParameterSetName != SelfSignedSet)
                {
                    _issuer = IssuerArgument.Resolve(this, Issuer);
                    LocalCertificateAuthority.CheckIssuer(_issuer.Entry.Certificate);
                }
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, Issuer);
            }
        }

        protected override void ProcessRecord()
        {
            try
            {
                var options = Options();
                if (ParameterSetName == RequestSet)
                {
                    var request = ReadRequest();
                    var subject = Subject == null ? null : LocalCertificateAuthority.ParseName(Subject);
                    if (ShouldProcess($"{(subject ?? request.Subject).Name} ({request.KeyAlgorithm} {request.KeySize})", $"Issue a certificate signed by '{_issuer!.Entry.Certificate.Subject}'"))
                    {
                        var issued = Authority().Issue(request, subject, options);
                        WriteObject(Output(issued, null));
                    }

                    return;
                }

                var name = LocalCertificateAuthority.ParseName(Subject!);
                var signer = SelfSigned ? "itself (self-signed)" : $"'{_issuer!.Entry.Certificate.Subject}'";
                if (!ShouldProcess($"{name.Name} ({KeyType})", $"Generate a key pair and a certificate signed by {signer}"))
                {
                    return;
                }

                using var key = KeyGeneration.Generate(KeyType);
                var made = SelfSigned
                    ? LocalCertificateAuthority.SelfSigned(name, key, options)
                    : Authority().Issue(name, KeyGeneration.PublicKeyOf(key), options);
                WriteObject(Output(made, key));
            }
            catch (SmimeException e)
            {
                WriteEngineError(e, ParameterSetName == RequestSet ? Request : Subject);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _issuer?.Dispose();
            }

            base.Dispose(disposing);
        }

        private bool Given(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        private LocalCertificateAuthority Authority() => new(_issuer!.Key);

        private IssuanceOptions Options()
        {
            var options = new IssuanceOptions
            {
                Usage = Usage,
                CertificateAuthority = CertificateAuthority.IsPresent,
                NotAfter = Given(nameof(NotAfter)) ? new DateTimeOffset(NotAfter.ToUniversalTime(), TimeSpan.Zero) : null,
                AllowWeakAlgorithm = AllowWeakAlgorithm.IsPresent,
            };
            foreach (var email in Email)
            {
                options.Emails.Add(email);
            }

            foreach (var uri in CrlDistributionPoint)
            {
                options.CrlDistributionPoints.Add(uri);
            }

            return options;
        }

        private SigningRequest ReadRequest()
        {
            if (Request.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                return SigningRequest.Parse(Request, "given as PEM text");
            }

            var path = GetUnresolvedProviderPathFromPSPath(Request);
            if (!File.Exists(path))
            {
                throw new SmimeException(ErrorIds.PathNotFound, SmimeErrorKind.ObjectNotFound,
                    $"The certificate request file '{path}' does not exist.", "Give the path of a .csr/.pem/.der file, or the PEM text itself.", path);
            }

            return SigningRequest.Read(File.ReadAllBytes(path), $"'{path}'");
        }

        /// <summary>The issued certificate for the pipeline; with a generated key, an identity holding it (and written to -OutFile).</summary>
        private object Output(IssuedCertificate issued, AsymmetricAlgorithm? key)
        {
            var certificate = issued.Certificate;
            if (issued.ValidityClipped)
            {
                WriteWarning($"'{certificate.Subject}' ends on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC with its issuer, not on {issued.RequestedNotAfter.UtcDateTime:yyyy-MM-dd HH:mm} UTC as asked: a certificate cannot outlive its CA.");
            }

            if (key == null)
            {
                return CertificateOutput.Decorate(new CertificateEntry(certificate, null, "New-SmimeCertificate"));
            }

            var identity = KeyGeneration.Attach(certificate, key);
            var path = OutFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutFile);
            var entry = new CertificateEntry(identity, new DotNetKeyReference(identity, KeyLocation.File), path ?? "New-SmimeCertificate");
            if (path != null)
            {
                var export = new IdentityExportOptions { Overwrite = Force.IsPresent, IncludeChain = _issuer != null };
                if (_issuer != null)
                {
                    export.ChainCandidates.Add(_issuer.Entry.Certificate);
                }

                new IdentityExporter(export).Export(entry, path, Password);
                WriteVerbose($"Wrote the identity of '{identity.Subject}' to {path}.");
            }

            return CertificateOutput.Decorate(entry);
        }
    }
}
