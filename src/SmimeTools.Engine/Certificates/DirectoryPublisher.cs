using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Ldap;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>
    /// Adds users' certificates to their directory entries (userCertificate;binary), for admins after enrolment: the
    /// entry is found by the address (mail or proxyAddresses) and must be the only one; the certificate is appended
    /// (a copy already there changes nothing) or replaces the entry's certificates. The caller confirms each change
    /// before it is made, so -WhatIf changes nothing.
    /// </summary>
    public sealed class DirectoryPublisher : IDisposable
    {
        private const string Attribute = "userCertificate;binary";
        private readonly DirectoryCertificateSource _directory;

        public DirectoryPublisher(DirectoryCertificateSource directory)
        {
            _directory = directory ?? throw new ArgumentNullException(nameof(directory));
        }

        /// <summary>
        /// Publishes <paramref name="certificate"/> to the entry of <paramref name="address"/> (null: the certificate's own
        /// first address). <paramref name="confirm"/> gets the entry DN and what would be done and says whether to do it;
        /// returns null when it said no.
        /// </summary>
        public DirectoryPublishResult? Publish(X509Certificate2 certificate, string? address, bool replace, Func<string, string, bool> confirm)
        {
            ArgumentNullException.ThrowIfNull(certificate);
            ArgumentNullException.ThrowIfNull(confirm);
            var display = _directory.Location.Display;
            address ??= CertificateFacts.GetEmails(certificate).FirstOrDefault()
                ?? throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.InvalidArgument,
                    $"The certificate {certificate.Thumbprint} ({certificate.Subject}) carries no e-mail address, so its entry in {display} cannot be found by one.",
                    "Name the entry's address with -Email.", certificate);

            var result = _directory.Search(DirectoryCertificateSource.AddressFilter(address), new[] { Attribute });
            if (result.Entries.Count == 0)
            {
                throw new SmimeException(ErrorIds.DirectoryEntryNotFound, SmimeErrorKind.ObjectNotFound,
                    $"The directory {display} has no entry for {address}, so the certificate {certificate.Thumbprint} was not published.",
                    "Create the person's entry first, or check the address and the base DN of the directory URI.", address);
            }

            if (result.Entries.Count > 1)
            {
                throw new SmimeException(ErrorIds.DirectoryEntryAmbiguous, SmimeErrorKind.InvalidArgument,
                    $"The directory {display} has {result.Entries.Count} entries for {address}: {string.Join("; ", result.Entries.Select(e => e.DistinguishedName))}. Nothing was published.",
                    "Give a base DN in the directory URI that holds only the right entry.", address);
            }

            var entry = result.Entries[0];
            var existing = entry.ValuesOf("userCertificate").ToList();
            var der = certificate.RawData;
            if (!replace && existing.Any(v => v.AsSpan().SequenceEqual(der)))
            {
                return new DirectoryPublishResult(address, entry.DistinguishedName, display, certificate, DirectoryPublishAction.AlreadyPresent, existing.Count);
            }

            var what = replace
                ? $"Replace the {existing.Count} certificate(s) of userCertificate with {certificate.Thumbprint} ({certificate.Subject})"
                : $"Add certificate {certificate.Thumbprint} ({certificate.Subject}) to userCertificate";
            if (!confirm(entry.DistinguishedName, what))
            {
                return null;
            }

            var change = (replace ? LdapModification.Replace : LdapModification.Add, Attribute, (IReadOnlyList<byte[]>)new[] { der });
            int code = _directory.Connection().Modify(entry.DistinguishedName, new[] { change });
            DirectoryLookupCache.Forget(_directory.Location);
            return new DirectoryPublishResult(address, entry.DistinguishedName, display, certificate,
                code == 20 ? DirectoryPublishAction.AlreadyPresent : replace ? DirectoryPublishAction.Replaced : DirectoryPublishAction.Added, existing.Count);
        }

        public void Dispose() => _directory.Dispose();
    }
}
