using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Operations;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Turns Protect-SmimeMessage's parameters into engine options; <see cref="ProtectionParties"/> picks the signer,
    /// gathers its chain, looks up addresses and adds the sender's own copy, and its reasons go to -Verbose. The key itself
    /// is opened only when the first message is really protected (-WhatIf opens no key).
    /// </summary>
    internal static class ProtectionRequest
    {
        public static ProtectOptions Build(ProtectSmimeMessageCommand command)
        {
            string Resolve(string path) => command.GetUnresolvedProviderPathFromPSPath(path);

            // The URIs are checked now (a typo is an error even when the stores have every address); connections wait for a lookup.
            var directories = DirectoryArguments.Directories(command.Directory ?? Array.Empty<object>(), null, false, null, null, null);
            using var parties = new ProtectionParties(() => CertStoreLocations.Sources(command.CertStoreLocation))
            {
                Directories = directories.Select(DirectoryArguments.Location).ToList(),
                DirectoryCacheLifetime = command.DirectoryCacheLifetime,
                CancellationToken = command.StopToken,
                Note = command.WriteVerbose,
            };
            var options = new ProtectOptions
            {
                Opaque = command.Opaque,
                Digest = command.DigestAlgorithm,
                SignatureAlgorithm = command.SignatureAlgorithm,
                ContentEncryption = command.EncryptionAlgorithm,
                KeyEncryption = command.KeyEncryption,
                EncryptionCertificate = command.EncryptionCertificate,
                AllowWeakAlgorithm = command.AllowWeakAlgorithm,
                Limits = command.InputLimits,
            };

            X509Certificate2? signer = null;
            if (command.SignWith != null)
            {
                var given = CertificateArguments.Entries(command.SignWith, "SignWith", Resolve, a => new[] { parties.SignerFor(a) }, command.InputLimits);
                var identity = ProtectionParties.PickSigner(given);
                signer = identity.Certificate;
                options.SignatureCertificates = command.IncludeChain switch
                {
                    CertificateInclusion.None => Array.Empty<X509Certificate2>(),
                    CertificateInclusion.Signer => new[] { signer },
                    _ => parties.ChainOf(signer, given.Select(e => e.Certificate), command.ExtraCertificate),
                };
                options.SigningKey = new DeferredSigningKey(identity.Key!, TokenPinPrompt.For(command));
            }

            if (command.To != null)
            {
                var recipients = ProtectionParties.RecipientsAmong(CertificateArguments.Expand(command.To, "To", Resolve, a => new[] { parties.RecipientFor(a) })).ToList();
                if (signer != null && !command.NoSelfCopy)
                {
                    var own = parties.SelfCopyFor(signer, command.EncryptionCertificate);
                    if (own != null)
                    {
                        recipients.Add(own);
                    }
                    else
                    {
                        command.WriteWarning("The signer's certificate cannot receive encrypted mail, so the sent copy will not be readable by the sender; give -EncryptionCertificate, or -NoSelfCopy to silence this.");
                    }
                }

                options.Recipients = recipients.GroupBy(r => r.Thumbprint).Select(g => g.First()).ToArray();
            }

            return options;
        }
    }
}
