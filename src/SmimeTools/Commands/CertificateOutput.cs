using System;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;

namespace SmimeTools.Commands
{
    /// <summary>Dresses a found certificate for the pipeline: where it came from, where its key is, and our table view.</summary>
    internal static class CertificateOutput
    {
        public const string TypeName = "SmimeTools.Certificate";

        public static PSObject Decorate(CertificateEntry entry)
        {
            // PowerShell keeps the members added to an object for as long as the object lives, so a certificate that
            // passes through twice (Get-SmimeCertificate a.p12 | Get-SmimeCertificate -Email ...) already has them.
            var output = PSObject.AsPSObject(entry.Certificate);
            if (!output.TypeNames.Contains(TypeName))
            {
                output.TypeNames.Insert(0, TypeName);
            }

            Set(output, "KeyLocation", entry.KeyLocation);
            Set(output, "Source", entry.Source);
            if (entry.Key != null)
            {
                KeyReferences.Remember(entry.Key);
            }

            return output;
        }

        /// <summary>
        /// A certificate handed in (the pipeline, a parameter) as an entry: the key and source it had when SmimeTools handed
        /// it out, else its .NET key and its Cert: store when it came from the Cert: drive, else <paramref name="fallbackSource"/>.
        /// </summary>
        public static CertificateEntry EntryOf(X509Certificate2 certificate, string fallbackSource)
        {
            var wrapped = PSObject.AsPSObject(certificate);
            var source = wrapped.Properties["Source"]?.Value as string;
            var store = StoreOf(wrapped.Properties["PSParentPath"]?.Value as string);
            var key = KeyReferences.OfCallerCertificate(certificate, store != null ? KeyLocation.Store : KeyLocation.File);
            return new CertificateEntry(certificate, key, source ?? store ?? fallbackSource);
        }

        /// <summary>Whether the key of a certificate object, as SmimeTools handed it out or .NET holds it, is one the engine signs or decrypts with.</summary>
        public static bool HasUsableKey(X509Certificate2 certificate) =>
            // Where a .NET-held key came from does not change whether it is usable.
            PrivateKeys.IsUsable(KeyReferences.OfCallerCertificate(certificate, KeyLocation.Store));

        /// <summary>"Cert:\CurrentUser\My" for a Cert: drive parent path such as "Microsoft.PowerShell.Security\Certificate::CurrentUser\My".</summary>
        private static string? StoreOf(string? parentPath)
        {
            if (string.IsNullOrEmpty(parentPath))
            {
                return null;
            }

            return CertificateStorePath.TryParse(parentPath, out var store) ? store!.DisplayPath : null;
        }

        private static void Set(PSObject output, string name, object value)
        {
            if (output.Properties[name] is PSNoteProperty existing)
            {
                existing.Value = value;
            }
            else
            {
                output.Properties.Add(new PSNoteProperty(name, value));
            }
        }
    }
}
