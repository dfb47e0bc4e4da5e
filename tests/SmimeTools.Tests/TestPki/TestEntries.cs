using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.TestPki;

namespace SmimeTools.Tests.TestPki
{
    /// <summary>Entries for test users as a source would make them: an identity with its key as read from its file, or the certificate alone.</summary>
    internal static class TestEntries
    {
        public static CertificateEntry Identity(TestUser user, string source) =>
            new(FileKeyReference.Attach(user.GetCertificate(), user.PrivateKey), source);

        public static CertificateEntry Public(TestUser user, string source) => new(user.GetCertificate(), null, source);
    }
}
