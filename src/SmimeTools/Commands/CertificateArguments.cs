using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Turns what users pass to -SignWith, -To and -Identity into certificates with their keys: X509Certificate2 objects
    /// (from Get-SmimeCertificate or Cert:), certificate file paths, pkcs11: URIs, store items, and e-mail addresses, which
    /// the caller resolves (through certificate stores and directories).
    /// </summary>
    internal static class CertificateArguments
    {
        /// <summary>The certificates alone, for parameters that take no key (-To, -TrustedRoot, -ExtraCertificate).</summary>
        public static List<X509Certificate2> Expand(IEnumerable<object?> values, string parameterName, Func<string, string> resolvePath,
            Func<string, IEnumerable<X509Certificate2>>? resolveAddress = null) =>
            Entries(values, parameterName, resolvePath,
                    resolveAddress == null ? null : a => resolveAddress(a).Select(c => new CertificateEntry(c, null, a)))
                .Select(e => e.Certificate).ToList();

        /// <summary>The certificates with their keys, for -SignWith and -Identity; PKCS#12 files are read within <paramref name="limits"/> (the defaults when null).</summary>
        public static List<CertificateEntry> Entries(IEnumerable<object?> values, string parameterName, Func<string, string> resolvePath,
            Func<string, IEnumerable<CertificateEntry>>? resolveAddress = null, InputLimits? limits = null)
        {
            var result = new List<CertificateEntry>();
            foreach (var value in values)
            {
                switch (value is PSObject wrapped ? wrapped.BaseObject : value)
                {
                    case null:
                        break;
                    case X509Certificate2 certificate:
                        result.Add(CertificateOutput.EntryOf(certificate, "-" + parameterName));
                        break;
                    case FileInfo file:
                        AddFile(result, file.FullName, limits);
                        break;
                    case string text when text.Contains('@') && !File.Exists(resolvePath(text)):
                        if (resolveAddress == null)
                        {
                            throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.ObjectNotFound,
                                $"No certificate was found for '{text}' given to -{parameterName}: addresses are not looked up here.",
                                $"Pass the certificate itself, for example -{parameterName} (Get-SmimeCertificate -Path bob.crt), or the path of a certificate file.", text);
                        }

                        result.AddRange(resolveAddress(text.Trim()));
                        break;
                    case string text when SmimeTools.Engine.Tokens.Pkcs11Uri.LooksLikeUri(text):
                        // pkcs11:token=...;id=...?module-path=...: the token's certificates (identities open their key when used).
                        result.AddRange(Pkcs11CertificateSource.FromUri(text).Read());
                        break;
                    case string text when CertificateStorePath.TryParseItem(text, out var store, out var thumbprint):
                        result.Add(FromStore(store!, thumbprint!, parameterName, text));
                        break;
                    case string path:
                        AddFile(result, resolvePath(path), limits);
                        break;
                    case object other:
                        throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.InvalidArgument,
                            $"-{parameterName} takes certificates, certificate files or addresses, not {other.GetType().Name}.",
                            "Pass objects from Get-SmimeCertificate or Get-ChildItem Cert:\\..., or file paths.", other);
                }
            }

            return result;
        }

        private static CertificateEntry FromStore(CertificateStorePath store, string thumbprint, string parameterName, string text) =>
            new StoreCertificateSource(store).Read()
                .FirstOrDefault(e => string.Equals(e.Certificate.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase))
            ?? throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.ObjectNotFound,
                $"The certificate '{text}' given to -{parameterName} is not in {store.DisplayPath}.",
                $"List the store with Get-ChildItem {store.DisplayPath}, or Get-SmimeCertificate -CertStoreLocation {store.DisplayPath}.", text);

        private static void AddFile(List<CertificateEntry> result, string path, InputLimits? limits) =>
            result.AddRange(CertificateFileReader.ReadFile(path, null, limits));
    }
}
