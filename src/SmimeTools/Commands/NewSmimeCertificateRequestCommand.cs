using System;
using System.Management.Automation;
using System.Security;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Policy;
using SmimeTools.Engine.Tokens;

namespace SmimeTools.Commands
{
    /// <summary>
    /// New-SmimeCertificateRequest: generates a key pair on a PKCS#11 token and writes a PKCS#10 request for its
    /// certificate, signed on the token; the private key never leaves it. The certificate the CA issues goes next to
    /// the key with Import-SmimeCertificate -Pkcs11Module.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "SmimeCertificateRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType("SmimeTools.Engine.Tokens.CertificateRequestRecord")]
    public sealed class NewSmimeCertificateRequestCommand : SmimeCmdlet
    {
        /// <summary>The subject of the certificate asked for, as a distinguished name: 'CN=Alice Example, O=Example'.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Subject { get; set; } = string.Empty;

        /// <summary>The addresses the certificate is for (subject alternative names).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] Email { get; set; } = Array.Empty<string>();

        /// <summary>The PKCS#11 library of the token that generates and keeps the key.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Pkcs11Module { get; set; } = string.Empty;

        /// <summary>The token, by label or serial number (needed when the library has several).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Token { get; set; }

        /// <summary>The token's user PIN; asked for when it is not given.</summary>
        [Parameter]
        public SecureString? Pin { get; set; }

        /// <summary>The key pair to generate: Rsa2048 (the default), Rsa3072, Rsa4096, P256 or P384.</summary>
        [Parameter]
        public TokenKeyType KeyType { get; set; } = TokenKeyType.Rsa2048;

        /// <summary>The label (CKA_LABEL) of the new keys on the token; the subject's common name by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Label { get; set; }

        /// <summary>A file to write the PEM request to, for the CA.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutFile { get; set; }

        /// <summary>Replace -OutFile when it exists.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            var module = TokenArguments.ModulePath(this, Pkcs11Module);
            var target = $"{Subject} ({KeyType}) on {(Token == null ? "the token" : $"token '{Token}'")} of {module}";
            if (!ShouldProcess(target, "Generate a key pair on the token and a certificate request for it"))
            {
                return;
            }

            try
            {
                using var writer = new TokenWriter(module, Token, Pin, TokenPinPrompt.For(this));
                var path = OutFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutFile);
                var record = writer.GenerateRequest(KeyType, Subject, Email, Label, path, Force.IsPresent);
                WriteVerbose($"Generated {record.KeyAlgorithm} key pair {record.KeyId} on {writer.Token}.");
                WriteObject(record);
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, Subject);
            }
        }
    }
}
