using System;
using System.Collections.Generic;
using System.Linq;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Finds the certificate to encrypt to an address in directories, in order, for recipients the certificate stores
    /// do not have: the first directory with a usable certificate wins, chosen by the same rules as in the stores
    /// (<see cref="CertificateSelector"/>: valid, allowing encryption, newest). When none has one, the error says what
    /// the stores and every directory said; when every directory failed to answer, its error (unreachable, TLS, bind) is
    /// thrown as it is, so it is not mistaken for an unknown address.
    /// </summary>
    public sealed class DirectoryRecipientResolver
    {
        private readonly IReadOnlyList<DirectoryCertificateSource> _directories;

        public DirectoryRecipientResolver(IEnumerable<DirectoryCertificateSource> directories, DateTime? at = null)
        {
            ArgumentNullException.ThrowIfNull(directories);
            _directories = directories.ToArray();
            At = at;
        }

        public DateTime? At { get; }

        /// <summary>The certificate for <paramref name="address"/>; <paramref name="notInStores"/> is why the stores had none.</summary>
        public CertificateChoice Resolve(string address, SmimeException? notInStores = null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(address);
            var said = new List<string>();
            if (notInStores != null)
            {
                said.Add(notInStores.Message);
            }

            var failures = new List<SmimeException>();
            foreach (var directory in _directories)
            {
                IReadOnlyList<CertificateEntry> entries;
                try
                {
                    entries = directory.FindByAddress(address);
                }
                catch (SmimeException e) when (e.ErrorId is ErrorIds.DirectoryEntryNotFound or ErrorIds.DirectoryEntryWithoutCertificate)
                {
                    said.Add(e.Message);
                    continue;
                }
                catch (SmimeException e) when (e.ErrorId is ErrorIds.DirectoryUnavailable or ErrorIds.DirectoryTimeout or ErrorIds.DirectoryTlsFailed
                    or ErrorIds.DirectoryBindFailed or ErrorIds.DirectoryBindNotEncrypted or ErrorIds.DirectoryOperationFailed)
                {
                    failures.Add(e);
                    said.Add(e.Message);
                    continue;
                }

                var selector = new CertificateSelector(new[] { new CertificateCollectionSource(entries, directory.Description) }, At);
                try
                {
                    var choice = selector.Select(address, CertificateUsage.Encryption, requirePrivateKey: false);
                    var reasons = said.Select(s => "Not found before: " + s).Concat(choice.Reasons).ToList();
                    return new CertificateChoice(choice.Address, choice.Usage, choice.Chosen, reasons);
                }
                catch (SmimeException e) when (e.ErrorId is ErrorIds.NoMatchingCertificate)
                {
                    said.Add(e.Message);
                }
            }

            if (failures.Count > 0 && failures.Count == _directories.Count)
            {
                throw failures[0];
            }

            throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.ObjectNotFound,
                $"No usable certificate to encrypt to {address} was found. " + string.Join(" ", said),
                "Add the recipient's certificate to your AddressBook store (Import-SmimeCertificate), or pass the certificate itself, for example -To ./bob.crt.",
                address);
        }
    }
}
