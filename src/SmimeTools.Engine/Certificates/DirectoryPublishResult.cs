using System.Security.Cryptography.X509Certificates;

namespace SmimeTools.Engine.Certificates
{
    /// <summary>One certificate published to one directory entry.</summary>
    public sealed class DirectoryPublishResult
    {
        public DirectoryPublishResult(string address, string distinguishedName, string directory, X509Certificate2 certificate, DirectoryPublishAction action, int previousCount)
        {
            Address = address;
            DistinguishedName = distinguishedName;
            Directory = directory;
            Certificate = certificate;
            Action = action;
            PreviousCount = previousCount;
        }

        /// <summary>The address the entry was found by.</summary>
        public string Address { get; }

        public string DistinguishedName { get; }

        /// <summary>The directory URL.</summary>
        public string Directory { get; }

        public X509Certificate2 Certificate { get; }

        public string Thumbprint => Certificate.Thumbprint;

        public DirectoryPublishAction Action { get; }

        /// <summary>How many certificates the entry's userCertificate had before.</summary>
        public int PreviousCount { get; }
    }
}
