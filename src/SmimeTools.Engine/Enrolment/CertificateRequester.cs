using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.IO;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Enrolment
{
    /// <summary>
    /// Makes the keys and requests of an enrolment, one user at a time, and records each in the state as soon as it
    /// exists. A user who already has a request of a purpose in the state gets it back and no second key; a software
    /// key file left by a run stopped before it could record it is taken up again rather than replaced.
    /// </summary>
    public sealed class CertificateRequester
    {
        private readonly EnrolmentState _state;
        private readonly Func<string?, TokenWriter>? _tokens;

        /// <param name="state">The state to resume from and record in.</param>
        /// <param name="tokens">The writer of a token (by -Token selector, null for the only one), for token keys.</param>
        public CertificateRequester(EnrolmentState state, Func<string?, TokenWriter>? tokens = null)
        {
            _state = state ?? throw new ArgumentNullException(nameof(state));
            _tokens = tokens;
        }

        /// <summary>The subject of the request: the one given, else CN=common name (or the address), E=address.</summary>
        public static X500DistinguishedName SubjectOf(RequestSpecification specification)
        {
            ArgumentNullException.ThrowIfNull(specification);
            var email = FirstEmail(specification);
            if (!string.IsNullOrWhiteSpace(specification.Subject))
            {
                try
                {
                    return new X500DistinguishedName(specification.Subject);
                }
                catch (CryptographicException e)
                {
                    throw new SmimeException(ErrorIds.InvalidDistinguishedName, SmimeErrorKind.InvalidArgument,
                        $"'{specification.Subject}' (the subject for {email}) is not a distinguished name: {e.Message}",
                        "Write it like 'CN=Alice Example, O=Example', or leave Subject empty and give CommonName.", specification.Subject, e);
                }
            }

            var builder = new X500DistinguishedNameBuilder();
            builder.AddCommonName(string.IsNullOrWhiteSpace(specification.CommonName) ? email : specification.CommonName.Trim());
            builder.AddEmailAddress(email);
            return builder.Build();
        }

        /// <summary>The purposes a specification asks for: Both, or Signing and Encryption.</summary>
        public static IReadOnlyList<RequestPurpose> PurposesOf(RequestSpecification specification) =>
            specification.Usage == RequestUsage.Separate ? new[] { RequestPurpose.Signing, RequestPurpose.Encryption } : new[] { RequestPurpose.Both };

        /// <summary>The purposes that need a new key (none in the state yet, or only a failed one); opens no key.</summary>
        public IReadOnlyList<RequestPurpose> NewPurposes(RequestSpecification specification)
        {
            var email = FirstEmail(specification);
            return PurposesOf(specification).Where(p => _state.Find(email, p) is not { Status: not EnrolmentStatus.Failed }).ToList();
        }

        /// <summary>
        /// Makes (or takes up from the state) the requests of one user. A purpose that fails is recorded as Failed and its
        /// exception added to <paramref name="failures"/>; the others go on.
        /// </summary>
        public IReadOnlyList<CertificateRequestRecord> Request(RequestSpecification specification, ICollection<SmimeException> failures)
        {
            ArgumentNullException.ThrowIfNull(specification);
            ArgumentNullException.ThrowIfNull(failures);
            var email = FirstEmail(specification);
            var subject = SubjectOf(specification);
            var records = new List<CertificateRequestRecord>();
            foreach (var purpose in PurposesOf(specification))
            {
                var existing = _state.Find(email, purpose);
                if (existing is { Status: not EnrolmentStatus.Failed })
                {
                    RewriteMissingRequestFile(existing);
                    records.Add(new CertificateRequestRecord(existing, resumed: true, TokenUriOf(existing)));
                    continue;
                }

                var entry = new EnrolmentEntry
                {
                    Email = email,
                    Emails = specification.Emails.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).ToArray(),
                    Subject = subject.Name,
                    Purpose = purpose,
                    KeyType = specification.KeyType,
                    KeyAlgorithm = SoftwareKeyPair.Describe(specification.KeyType),
                    KeyLocation = specification.Location,
                    Created = DateTimeOffset.UtcNow,
                };
                try
                {
                    switch (specification.Location)
                    {
                        case PendingKeyLocation.File:
                            RequestWithKeyFile(specification, subject, entry);
                            break;
                        case PendingKeyLocation.Store:
                            RequestWithStoreKey(specification, subject, entry);
                            break;
                        default:
                            RequestWithTokenKey(specification, subject, entry);
                            break;
                    }

                    entry.RequestFile = RequestFileOf(specification, entry);
                    entry.Status = EnrolmentStatus.Pending;
                    _state.Put(entry);
                    WriteRequestFile(entry, specification.Overwrite);
                    records.Add(new CertificateRequestRecord(entry, resumed: false, TokenUriOf(entry)));
                }
                catch (SmimeException e)
                {
                    Fail(entry, e);
                    failures.Add(e);
                }
                catch (CryptographicException e)
                {
                    var error = new SmimeException(ErrorIds.KeyGenerationFailed, SmimeErrorKind.InvalidOperation,
                        $"No {entry.KeyAlgorithm} key and request could be made for {email} ({purpose}): {e.Message}",
                        "Check the key type; run again with the same -StateFile to retry this user.", email, e);
                    Fail(entry, error);
                    failures.Add(error);
                }
            }

            return records;
        }

        /// <summary>The file name of a user's key or request: the address, made safe, and the purpose when it is one of two.</summary>
        public static string FileStem(string email, RequestPurpose purpose)
        {
            var safe = new StringBuilder(email.Length);
            foreach (var c in email.ToLowerInvariant())
            {
                safe.Append(char.IsAsciiLetterOrDigit(c) || c is '@' or '.' or '-' or '_' or '+' ? c : '_');
            }

            return purpose switch
            {
                RequestPurpose.Signing => safe + "-signing",
                RequestPurpose.Encryption => safe + "-encryption",
                _ => safe.ToString(),
            };
        }

        /// <summary>SHA-256 of a public key's bits, in hex: the same for the request and the certificate issued for it.</summary>
        public static string PublicKeyHash(byte[] subjectPublicKeyInfo) =>
            Convert.ToHexString(SHA256.HashData(Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo.GetInstance(subjectPublicKeyInfo).PublicKey.GetBytes()));

        /// <summary>The hash of <see cref="PublicKeyHash(byte[])"/> for a certificate's public key.</summary>
        public static string PublicKeyHash(X509Certificate2 certificate) =>
            Convert.ToHexString(SHA256.HashData((certificate ?? throw new ArgumentNullException(nameof(certificate))).PublicKey.EncodedKeyValue.RawData));

        private static string FirstEmail(RequestSpecification specification) =>
            specification.Emails.FirstOrDefault(e => !string.IsNullOrWhiteSpace(e))?.Trim()
            ?? throw new SmimeException(ErrorIds.InvalidRequest, SmimeErrorKind.InvalidArgument,
                $"The request for '{specification.Subject ?? specification.CommonName ?? "(no subject)"}' names no e-mail address, which an S/MIME certificate is for.",
                "Give the address in the Email column (or -Email).", specification.Subject ?? specification.CommonName);

        private void Fail(EnrolmentEntry entry, SmimeException error)
        {
            entry.Status = EnrolmentStatus.Failed;
            entry.Reason = error.Message;
            entry.ErrorId = error.ErrorId;
            entry.Pem = string.Empty;
            entry.PublicKeyHash = string.Empty;
            _state.Put(entry);
        }

        private static void RequestWithKeyFile(RequestSpecification specification, X500DistinguishedName subject, EnrolmentEntry entry)
        {
            var folder = specification.KeyFolder ?? Directory.GetCurrentDirectory();
            var path = Path.GetFullPath(Path.Combine(folder, FileStem(entry.Email, entry.Purpose) + ".key.pem"));
            var password = specification.KeyPassword;
            AsymmetricAlgorithm key;
            var created = false;
            SoftwareKeyPair.RequirePassword(password, path);
            if (File.Exists(path))
            {
                // Left by a run stopped between making the key and recording it: the same user's key, so take it up.
                key = SoftwareKeyPair.Read(path, specification.KeyType, password!);
            }
            else
            {
                key = SoftwareKeyPair.Generate(specification.KeyType);
                SoftwareKeyPair.Write(path, key, password!);
                created = true;
            }

            try
            {
                var spki = key.ExportSubjectPublicKeyInfo();
                using var standIn = StandInCertificate.Create(subject, spki);
                using var withKey = key is RSA rsa ? standIn.CopyWithPrivateKey(rsa) : standIn.CopyWithPrivateKey((ECDsa)key);
                using var signer = PrivateKeys.Open(new DotNetKeyReference(withKey, KeyLocation.File));
                Finish(entry, subject, spki, signer);
                entry.KeyFile = path;
            }
            catch
            {
                if (created)
                {
                    File.Delete(path);
                }

                throw;
            }
            finally
            {
                key.Dispose();
            }
        }

        private static void RequestWithStoreKey(RequestSpecification specification, X500DistinguishedName subject, EnrolmentEntry entry)
        {
            var destination = specification.Store ?? CertificateStorePath.CurrentUserMy;
            var pending = CertificateStorePath.Parse($"Cert:\\{destination.Location}\\{StandInCertificate.RequestStoreName}");
            using var key = SoftwareKeyPair.Generate(specification.KeyType);
            var spki = key.ExportSubjectPublicKeyInfo();
            using var standIn = StandInCertificate.Create(subject, spki);
            using var withKey = key is RSA rsa ? standIn.CopyWithPrivateKey(rsa) : standIn.CopyWithPrivateKey((ECDsa)key);
            var transient = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
            var flags = X509KeyStorageFlags.PersistKeySet | X509KeyStorageFlags.Exportable
                | (destination.Location == StoreLocation.CurrentUser ? X509KeyStorageFlags.UserKeySet : X509KeyStorageFlags.MachineKeySet);
#pragma warning disable SYSLIB0057 // X509CertificateLoader is net9+; the module targets net8 for PowerShell 7.4.
            using var persisted = new X509Certificate2(withKey.Export(X509ContentType.Pkcs12, transient), transient, flags);
#pragma warning restore SYSLIB0057
            using (var store = pending.Open(OpenFlags.ReadWrite))
            {
                try
                {
                    store.Add(persisted);
                }
                catch (CryptographicException e)
                {
                    throw new SmimeException(ErrorIds.StoreUnavailable, SmimeErrorKind.ResourceUnavailable,
                        $"Cannot keep the new key of {entry.Email} in {pending.DisplayPath}: {e.Message}", "Check that you may write to the store.", pending.DisplayPath, e);
                }
            }

            using var signer = PrivateKeys.Open(new DotNetKeyReference(persisted, KeyLocation.Store));
            Finish(entry, subject, spki, signer);
            entry.Store = destination.DisplayPath;
            entry.StandInThumbprint = persisted.Thumbprint;
        }

        private void RequestWithTokenKey(RequestSpecification specification, X500DistinguishedName subject, EnrolmentEntry entry)
        {
            var writer = _tokens?.Invoke(specification.Token)
                ?? throw new SmimeException(ErrorIds.InvalidRequest, SmimeErrorKind.InvalidArgument,
                    $"The request of {entry.Email} is for a token key, but no PKCS#11 library was given.", "Give -Pkcs11Module with the token's library.", entry.Email);
            var label = specification.Label ?? subject.EnumerateRelativeDistinguishedNames().FirstOrDefault(r => r.GetSingleElementType().Value == "2.5.4.3")?.GetSingleElementValue() ?? entry.Email;
            if (entry.Purpose != RequestPurpose.Both)
            {
                label += entry.Purpose == RequestPurpose.Signing ? " (signing)" : " (encryption)";
            }

            var pair = writer.GenerateKeyPair(specification.KeyType, subject, label);
            try
            {
                using var standIn = StandInCertificate.Create(subject, pair.SubjectPublicKeyInfo);
                using var signer = writer.SigningKey(pair, standIn);
                Finish(entry, subject, pair.SubjectPublicKeyInfo, signer);
            }
            catch
            {
                writer.DestroyKeyPair(pair);
                throw;
            }

            entry.ModulePath = pair.Token.ModulePath;
            entry.TokenSerial = pair.Token.SerialNumber;
            entry.TokenLabel = pair.Token.Label;
            entry.KeyId = pair.IdHex;
            entry.KeyUri = pair.KeyUri;
            entry.TokenUri = pair.Token.Uri;
        }

        private static void Finish(EnrolmentEntry entry, X500DistinguishedName subject, byte[] spki, ISigningKey signer)
        {
            var request = CertificateRequestBuilder.Build(subject, spki, entry.Emails, entry.Purpose, signer);
            entry.Pem = CertificateRequestBuilder.Pem(request);
            entry.PublicKeyHash = PublicKeyHash(spki);
        }

        private static string? RequestFileOf(RequestSpecification specification, EnrolmentEntry entry) =>
            specification.RequestFile != null ? Path.GetFullPath(specification.RequestFile)
            : specification.RequestFolder != null ? Path.GetFullPath(Path.Combine(specification.RequestFolder, FileStem(entry.Email, entry.Purpose) + ".csr"))
            : null;

        private static void WriteRequestFile(EnrolmentEntry entry, bool overwrite)
        {
            if (entry.RequestFile == null)
            {
                return;
            }

            using var writer = AtomicFileWriter.Create(entry.RequestFile, overwrite);
            writer.Stream.Write(Encoding.ASCII.GetBytes(entry.Pem));
            writer.Commit();
        }

        /// <summary>A run stopped after recording a request but before writing its file writes it on the rerun.</summary>
        private static void RewriteMissingRequestFile(EnrolmentEntry entry)
        {
            if (entry.Status == EnrolmentStatus.Pending && entry.RequestFile != null && !File.Exists(entry.RequestFile))
            {
                WriteRequestFile(entry, overwrite: false);
            }
        }

        private static string? TokenUriOf(EnrolmentEntry entry) => entry.KeyLocation == PendingKeyLocation.Token ? entry.TokenUri : null;
    }
}
