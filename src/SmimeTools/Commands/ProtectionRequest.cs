using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Operations;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Turns Protect-SmimeMessage's parameters into engine options: picks the signer among what -SignWith got,
    /// gathers its chain, expands -To and adds the sender's own copy. Addresses in -SignWith and -To are looked up in
    /// the -CertStoreLocation stores, read once and only when an address needs them; -Verbose says why each
    /// certificate was chosen. The key itself is opened only when the first message is really protected
    /// (-WhatIf opens no key).
    /// </summary>
    internal static class ProtectionRequest
    {
        public static ProtectOptions Build(ProtectSmimeMessageCommand command)
        {
            string Resolve(string path) => command.GetUnresolvedProviderPathFromPSPath(path);
            using var lookup = new AddressLookup(command);
            var options = new ProtectOptions
            {
                Opaque = command.Opaque,
                Digest = command.DigestAlgorithm,
                SignatureAlgorithm = command.SignatureAlgorithm,
                ContentEncryption = command.EncryptionAlgorithm,
                KeyEncryption = command.KeyEncryption,
                EncryptionCertificate = command.EncryptionCertificate,
                AllowWeakAlgorithm = command.AllowWeakAlgorithm,
            };

            X509Certificate2? signer = null;
            if (command.SignWith != null)
            {
                var given = CertificateArguments.Expand(command.SignWith, "SignWith", Resolve, lookup.Signer);
                signer = PickSigner(given);
                var pool = given.Concat(ChainCollector.Companions(signer)).Concat(command.ExtraCertificate ?? Array.Empty<X509Certificate2>())
                    .Concat(lookup.IssuersFor(signer));
                options.SignatureCertificates = command.IncludeChain switch
                {
                    CertificateInclusion.None => Array.Empty<X509Certificate2>(),
                    CertificateInclusion.Signer => new[] { signer },
                    _ => ChainCollector.SignerAndIntermediates(signer, pool),
                };
                var askPin = TokenPinPrompt.For(command);
                options.SigningKey = new DeferredSigningKey(signer, c => PrivateKeys.Open(c, askPin));
            }

            var recipients = new List<X509Certificate2>();
            if (command.To != null)
            {
                // A certificate file may carry its chain; CA certificates in it are not recipients.
                recipients.AddRange(CertificateArguments.Expand(command.To, "To", Resolve, lookup.Recipient)
                    .Where(c => !ChainCollector.IsCertificateAuthority(c)));
                if (recipients.Count == 0)
                {
                    throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.ObjectNotFound,
                        "-To named no recipient certificate (only CA certificates were found).", "Pass the recipients' own certificates.");
                }

                if (signer != null && !command.NoSelfCopy)
                {
                    var own = command.EncryptionCertificate ?? (CertificateFacts.CanEncrypt(signer) ? signer : lookup.OwnEncryptionCertificate(signer));
                    if (own != null)
                    {
                        recipients.Add(own);
                    }
                    else
                    {
                        command.WriteWarning($"The signer's certificate cannot receive encrypted mail, so the sent copy will not be readable by the sender; give -EncryptionCertificate, or -NoSelfCopy to silence this.");
                    }
                }
            }

            options.Recipients = recipients.GroupBy(r => r.Thumbprint).Select(g => g.First()).ToArray();
            return options;
        }

        private static X509Certificate2 PickSigner(List<X509Certificate2> given)
        {
            var withKey = given.Where(PrivateKeys.HasKey).GroupBy(c => c.Thumbprint).Select(g => g.First()).ToList();
            if (withKey.Count == 1)
            {
                return withKey[0];
            }

            if (withKey.Count == 0)
            {
                var first = given.FirstOrDefault();
                throw new SmimeException(ErrorIds.NoPrivateKey, SmimeErrorKind.InvalidArgument,
                    first == null
                        ? "-SignWith named no certificate."
                        : $"None of the certificates given to -SignWith comes with its private key (first: {first.Subject}, {first.Thumbprint}).",
                    "Read the identity with its key, for example -SignWith (Get-SmimeCertificate alice.p12 -Password $password).", first);
            }

            throw new SmimeException(ErrorIds.AmbiguousCertificate, SmimeErrorKind.InvalidArgument,
                $"-SignWith got {withKey.Count} certificates with private keys: {string.Join(", ", withKey.Select(c => c.Thumbprint))}.",
                "Pass exactly one identity to sign with.");
        }
    }
}
