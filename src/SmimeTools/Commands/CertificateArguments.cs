using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;

namespace SmimeTools.Commands
{
    /// <summary>
    /// Turns what users pass to -SignWith, -To and -Identity into certificates: X509Certificate2 objects (from
    /// Get-SmimeCertificate or Cert:), certificate file paths, and — when stores and directories arrive — addresses.
    /// </summary>
    internal static class CertificateArguments
    {
        public static List<X509Certificate2> Expand(IEnumerable<object?> values, string parameterName, Func<string, string> resolvePath)
        {
            var result = new List<X509Certificate2>();
            foreach (var value in values)
            {
                switch (value is PSObject wrapped ? wrapped.BaseObject : value)
                {
                    case null:
                        break;
                    case X509Certificate2 certificate:
                        result.Add(certificate);
                        break;
                    case FileInfo file:
                        AddFile(result, file.FullName);
                        break;
                    case string text when text.Contains('@') && !File.Exists(resolvePath(text)):
                        throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.ObjectNotFound,
                            $"No certificate was found for '{text}' given to -{parameterName}: looking addresses up in certificate stores and directories is not available yet.",
                            $"Pass the certificate itself, for example -{parameterName} (Get-SmimeCertificate -Path bob.crt), or the path of a certificate file.", text);
                    case string path:
                        AddFile(result, resolvePath(path));
                        break;
                    case object other:
                        throw new SmimeException(ErrorIds.NoMatchingCertificate, SmimeErrorKind.InvalidArgument,
                            $"-{parameterName} takes certificates, certificate files or addresses, not {other.GetType().Name}.",
                            "Pass objects from Get-SmimeCertificate or Get-ChildItem Cert:\\..., or file paths.", other);
                }
            }

            return result;
        }

        private static void AddFile(List<X509Certificate2> result, string path)
        {
            foreach (var entry in CertificateFileReader.ReadFile(path))
            {
                result.Add(entry.Certificate);
            }
        }
    }
}
