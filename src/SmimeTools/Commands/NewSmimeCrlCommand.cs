using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine;
using SmimeTools.Engine.Enrolment;
using SmimeTools.Engine.IO;

namespace SmimeTools.Commands
{
    /// <summary>
    /// New-SmimeCrl: the local CA's certificate revocation list, signed by -Issuer wherever its key lives, with a CRL
    /// number and the CA's key identifier, so revocation can be tested end to end (Test-SmimeSignature -Crl).
    /// </summary>
    [Cmdlet(VerbsCommon.New, "SmimeCrl", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(RevocationListRecord))]
    public sealed class NewSmimeCrlCommand : SmimeCmdlet
    {
        private readonly List<RevocationEntry> _entries = new();
        private IssuerArgument? _issuer;

        /// <summary>The CA identity that signs the CRL (as New-SmimeCertificate -Issuer takes it).</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNull]
        public object Issuer { get; set; } = null!;

        /// <summary>The certificates to list as revoked: objects or certificate files; they must have been issued by -Issuer.</summary>
        [Parameter(ValueFromPipeline = true, Position = 0)]
        public object[] RevokedCertificate { get; set; } = Array.Empty<object>();

        /// <summary>Serial numbers (hex) to list as revoked, for certificates no longer at hand.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] SerialNumber { get; set; } = Array.Empty<string>();

        /// <summary>The reason code of the new entries (RFC 5280 §5.3.1), for example KeyCompromise; none by default.</summary>
        [Parameter]
        public X509RevocationReason Reason { get; set; }

        /// <summary>When the new entries were revoked; now by default.</summary>
        [Parameter]
        public DateTime RevocationDate { get; set; }

        /// <summary>When the next CRL will be issued; the CRL is out of date after it. Seven days from now by default.</summary>
        [Parameter]
        public DateTime NextUpdate { get; set; }

        /// <summary>An earlier CRL of this CA: its entries are kept and the new CRL number is one more than its.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BaseCrl { get; set; }

        /// <summary>The CRL number; by default one more than -BaseCrl's, else the current Unix time in seconds (always increasing).</summary>
        [Parameter]
        public BigInteger CrlNumber { get; set; }

        /// <summary>The file to write the CRL to (DER unless -Pem).</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string OutFile { get; set; } = string.Empty;

        /// <summary>Write the CRL PEM-encoded ("-----BEGIN X509 CRL-----"), as openssl -CAfile bundles take it.</summary>
        [Parameter]
        public SwitchParameter Pem { get; set; }

        /// <summary>Replace -OutFile when it exists.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                _issuer = IssuerArgument.Resolve(this, Issuer);
                RevocationListIssuer.CheckIssuer(_issuer.Entry.Certificate);
                foreach (var serial in SerialNumber)
                {
                    _entries.Add(new RevocationEntry(ParseSerial(serial), When, ReasonCode));
                }
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, Issuer);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var value in RevokedCertificate)
            {
                try
                {
                    foreach (var certificate in CertificateArguments.Expand(new[] { value }, "RevokedCertificate", GetUnresolvedProviderPathFromPSPath))
                    {
                        var ca = _issuer!.Entry.Certificate;
                        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData))
                        {
                            throw new SmimeException(ErrorIds.NotIssuedByIssuer, SmimeErrorKind.InvalidArgument,
                                $"'{certificate.Subject}' (serial {certificate.SerialNumber}) was issued by '{certificate.Issuer}', not by '{ca.Subject}'; its CA must revoke it.",
                                "List only certificates -Issuer issued; the others were left off this CRL.", certificate);
                        }

                        _entries.Add(RevocationEntry.Of(certificate, When, ReasonCode));
                    }
                }
                catch (SmimeException e)
                {
                    WriteEngineError(e, value);
                }
            }
        }

        protected override void EndProcessing()
        {
            var path = GetUnresolvedProviderPathFromPSPath(OutFile);
            var ca = _issuer!.Entry.Certificate;
            if (!ShouldProcess(path, $"Write a CRL of '{ca.Subject}' listing {_entries.Count} new revoked certificate(s)"))
            {
                return;
            }

            try
            {
                CertificateRevocationListBuilder? previous = null;
                BigInteger? previousNumber = null;
                if (BaseCrl != null)
                {
                    var basePath = GetUnresolvedProviderPathFromPSPath(BaseCrl);
                    previous = RevocationListIssuer.LoadPrevious(File.ReadAllBytes(basePath), ca, $"'{basePath}'", out var number);
                    previousNumber = number;
                }

                using var writer = AtomicFileWriter.Create(path, Force.IsPresent);
                var now = DateTimeOffset.UtcNow;
                var next = Given(nameof(NextUpdate)) ? new DateTimeOffset(NextUpdate.ToUniversalTime(), TimeSpan.Zero) : now + RevocationListIssuer.DefaultLifetime;
                var crl = new RevocationListIssuer(_issuer.Key).Issue(_entries, next, Given(nameof(CrlNumber)) ? CrlNumber : null, previous, previousNumber, now);
                writer.Stream.Write(Pem ? Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", crl) + "\n") : crl);
                writer.Commit();
                WriteObject(RevocationListIssuer.Describe(crl, path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ThrowEngineError(new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError, $"Cannot write '{path}': {e.Message}",
                    "Check the free space and that you may write there.", path, e), path);
            }
            catch (SmimeException e)
            {
                ThrowEngineError(e, path);
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

        private DateTimeOffset? When => Given(nameof(RevocationDate)) ? new DateTimeOffset(RevocationDate.ToUniversalTime(), TimeSpan.Zero) : null;

        private X509RevocationReason? ReasonCode => Given(nameof(Reason)) ? Reason : null;

        private bool Given(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        private static byte[] ParseSerial(string serial)
        {
            var hex = serial.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal);
            try
            {
                return Convert.FromHexString(hex.Length % 2 == 1 ? "0" + hex : hex);
            }
            catch (FormatException e)
            {
                throw new SmimeException(ErrorIds.InvalidSerialNumber, SmimeErrorKind.InvalidArgument,
                    $"'{serial}' given to -SerialNumber is not a hexadecimal serial number.", "Write it as the certificate's SerialNumber property shows it, such as '3A0F...'.", serial, e);
            }
        }
    }
}
