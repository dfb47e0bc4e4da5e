using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// Completes pending requests: matches each issued certificate to its key by the public key, installs it beside the
    /// key (a PKCS#12 file for a software key, the store for a store key, the token for a token key), publishes it when
    /// asked, and records every step in the state.
    /// </summary>
    public sealed class RequestCompleter
    {
        private readonly EnrolmentState _state;
        private readonly CompletionOptions _options;

        public RequestCompleter(EnrolmentState state, CompletionOptions options)
        {
            _state = state ?? throw new ArgumentNullException(nameof(state));
            _options = options ?? throw new ArgumentNullException(nameof(options));
        }

        /// <summary>The request whose key the certificate is for; NoPendingRequest when the state has none. Opens no key.</summary>
        public EnrolmentEntry Match(X509Certificate2 certificate)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            return _state.FindByPublicKey(CertificateRequester.PublicKeyHash(certificate))
                ?? throw new SmimeException(ErrorIds.NoPendingRequest, SmimeErrorKind.ObjectNotFound,
                    $"The certificate '{certificate.Subject}' ({certificate.Thumbprint}) is for a key that no request of {_state.Path ?? "this enrolment"} has. Nothing was installed.",
                    "Give the state file of the enrolment that made its request, or check that the CA issued it from that request.", certificate);
        }

        /// <summary>
        /// Installs the certificate beside its pending key. A failure to install leaves the request Issued (with the
        /// reason) and throws; a failure to publish after installing is added to <paramref name="failures"/>.
        /// </summary>
        public CompletionRecord Complete(X509Certificate2 certificate, string source, ICollection<SmimeException> failures)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            ArgumentNullException.ThrowIfNull(failures);
            var entry = Match(certificate);
            if (entry.Status == EnrolmentStatus.Installed && string.Equals(entry.CertificateThumbprint, certificate.Thumbprint, StringComparison.OrdinalIgnoreCase))
            {
                return new CompletionRecord(entry, certificate, alreadyInstalled: true, null);
            }

            if (entry.Status == EnrolmentStatus.Installed)
            {
                throw Failure(ErrorIds.InstallFailed, $"The key of {entry.Email} ({entry.Purpose}) has its certificate {entry.CertificateThumbprint} installed already, at {entry.InstalledTo}; {certificate.Thumbprint} was not installed beside it.",
                    "Install a renewed certificate with Import-SmimeCertificate, or make a new request for a new key.", certificate);
            }

            entry.Status = EnrolmentStatus.Issued;
            entry.CertificateThumbprint = certificate.Thumbprint;
            try
            {
                entry.InstalledTo = entry.KeyLocation switch
                {
                    PendingKeyLocation.File => InstallWithKeyFile(entry, certificate, source),
                    PendingKeyLocation.Store => InstallWithStoreKey(entry, certificate, source),
                    _ => InstallOnToken(entry, certificate, source),
                };
            }
            catch (SmimeException e)
            {
                entry.Reason = e.Message;
                entry.ErrorId = e.ErrorId;
                _state.Put(entry);
                throw;
            }

            entry.Status = EnrolmentStatus.Installed;
            entry.Reason = null;
            entry.ErrorId = null;
            _state.Put(entry);
            string? published = null;
            if (_options.Publisher != null)
            {
                try
                {
                    published = _options.Publisher.Publish(certificate, entry.Email, replace: false, (_, _) => true)?.DistinguishedName;
                }
                catch (SmimeException e)
                {
                    failures.Add(e);
                }
            }

            return new CompletionRecord(entry, certificate, alreadyInstalled: false, published);
        }

        /// <summary>The CA certificates above <paramref name="certificate"/>, nearest first, from what came with it and <see cref="CompletionOptions.Chain"/>, the root included when known.</summary>
        public IReadOnlyList<X509Certificate2> ChainOf(X509Certificate2 certificate)
        {
            var pool = ChainCollector.Companions(certificate).Concat(_options.Chain).ToList();
            var chain = ChainCollector.SignerAndIntermediates(certificate, pool).ToList();
            var top = chain[^1];
            var root = pool.FirstOrDefault(c => ChainCollector.IsSelfSigned(c) && c.SubjectName.RawData.AsSpan().SequenceEqual(top.IssuerName.RawData)
                && c.Thumbprint != top.Thumbprint);
            if (root != null && !ChainCollector.IsSelfSigned(top))
            {
                chain.Add(root);
            }

            return chain.Skip(1).ToList();
        }

        private string InstallWithKeyFile(EnrolmentEntry entry, X509Certificate2 certificate, string source)
        {
            if (_options.OutFolder == null)
            {
                throw Failure(ErrorIds.InstallFailed, $"The key of {entry.Email} is a software key, which goes into a PKCS#12 file with its certificate, and no folder was given for it.",
                    "Give -OutFolder.", certificate);
            }

            var keyFile = entry.KeyFile ?? throw Failure(ErrorIds.InstallFailed, $"The state has no key file for {entry.Email}.", "Make the request again.", certificate);
            var password = _options.Pkcs12Password?.Invoke(certificate)
                ?? throw new SmimeException(ErrorIds.BadPassword, SmimeErrorKind.InvalidArgument,
                    $"No password was given for the PKCS#12 file of '{certificate.Subject}' ({certificate.Thumbprint}).",
                    "Give -Password, or a -PasswordPerIdentity script that returns a SecureString for every identity.", certificate);
            using var key = SoftwareKeyPair.Read(keyFile, entry.KeyType, _options.KeyPassword?.Invoke(entry)!);
            using var withKey = key is RSA rsa ? certificate.CopyWithPrivateKey(rsa) : certificate.CopyWithPrivateKey((ECDsa)key);
            var identity = new CertificateEntry(withKey, new DotNetKeyReference(withKey, KeyLocation.File), source);
            var bytes = Pkcs12Writer.Write(identity, password, _options.Protection, ChainOf(certificate));
            var path = Path.GetFullPath(Path.Combine(_options.OutFolder, CertificateRequester.FileStem(entry.Email, entry.Purpose) + ".p12"));
            using (var writer = AtomicFileWriter.Create(path, _options.Overwrite, privateFile: true))
            {
                try
                {
                    writer.Stream.Write(bytes);
                    writer.Commit();
                }
                catch (IOException e)
                {
                    throw new SmimeException(ErrorIds.WriteFailed, SmimeErrorKind.WriteError, $"Cannot write '{path}': {e.Message}",
                        "Check the free space and that you may write there.", path, e);
                }
            }

            // The key now lives in the PKCS#12 file; the pending copy has done its work.
            File.Delete(keyFile);
            entry.KeyFile = null;
            return path;
        }

        private string InstallWithStoreKey(EnrolmentEntry entry, X509Certificate2 certificate, string source)
        {
            var destination = CertificateStorePath.Parse(entry.Store ?? CertificateStorePath.CurrentUserMy.DisplayPath);
            var pending = CertificateStorePath.Parse($"Cert:\\{destination.Location}\\{StandInCertificate.RequestStoreName}");
            using var requests = pending.Open(OpenFlags.ReadWrite);
            var standIn = requests.Certificates.Find(X509FindType.FindByThumbprint, entry.StandInThumbprint ?? string.Empty, validOnly: false).OfType<X509Certificate2>().FirstOrDefault(c => c.HasPrivateKey)
                ?? throw Failure(ErrorIds.NoPrivateKey, $"The key of {entry.Email} is no longer in {pending.DisplayPath} (stand-in certificate {entry.StandInThumbprint}).",
                    "The key was removed from the store; make the request again.", certificate);
            X509Certificate2 withKey;
            using (var rsa = standIn.GetRSAPrivateKey())
            using (var ecdsa = rsa == null ? standIn.GetECDsaPrivateKey() : null)
            {
                withKey = rsa != null ? certificate.CopyWithPrivateKey(rsa) : certificate.CopyWithPrivateKey(ecdsa!);
            }

            using (withKey)
            using (var importer = new IdentityImporter(destination, _options.Exportable))
            {
                importer.Add(new CertificateEntry(withKey, new DotNetKeyReference(withKey, KeyLocation.Store), source));
            }

            try
            {
                requests.Remove(standIn);
            }
            catch (CryptographicException)
            {
                // The identity is installed; a stand-in left behind is untidy, not harmful.
            }

            return destination.DisplayPath;
        }

        private string InstallOnToken(EnrolmentEntry entry, X509Certificate2 certificate, string source)
        {
            var writer = _options.Tokens?.Invoke(entry)
                ?? throw Failure(ErrorIds.InstallFailed, $"The key of {entry.Email} is on a token, and no token was opened for it.", "Give -Pkcs11Module.", certificate);
            writer.StoreCertificate(certificate, source);
            return writer.Token?.Uri ?? entry.TokenUri ?? string.Empty;
        }

        private static SmimeException Failure(string id, string message, string next, X509Certificate2 certificate) =>
            new(id, SmimeErrorKind.InvalidOperation, message, next, certificate);
    }
}
