using System;
using System.IO;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Ldap;
using SmimeTools.TestPki;
using Pki = global::SmimeTools.TestPki.TestPki;

namespace SmimeTools.Tests.Ldap
{
    /// <summary>
    /// A test PKI and a real OpenLDAP slapd on 127.0.0.1 filled from it (see <see cref="TestDirectoryServer"/>), for one
    /// test class; slapd is killed and the folders deleted afterwards. When slapd is not installed, <see cref="WhyUnavailable"/>
    /// says so and the tests skip.
    /// </summary>
    public sealed class DirectoryFixture : IDisposable
    {
        private readonly string _folder;

        public DirectoryFixture()
        {
            _folder = Path.Combine(Path.GetTempPath(), "smimetools-ldap-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Pki = Pki.Create(Path.Combine(_folder, "pki"));
            WhyUnavailable = TestDirectoryServer.WhyUnavailable();
            if (WhyUnavailable == null)
            {
                Server = TestDirectoryServer.Start(Pki.Folder, Path.Combine(_folder, "slapd"));
            }
        }

        public Pki Pki { get; }

        public TestDirectoryServer? Server { get; }

        public string? WhyUnavailable { get; }

        public X509Certificate2 Root => Pki.Root.GetCertificate();

        public NetworkCredential Admin => new(TestDirectoryServer.AdminDn, TestDirectoryServer.AdminPassword);

        /// <summary>The plain ldap:// directory, anonymous unless told otherwise.</summary>
        public DirectoryCertificateSource Plain(LdapConnectionOptions? options = null) =>
            new(new DirectoryLocation(LdapUrl.Parse(Server!.LdapUri), options ?? new LdapConnectionOptions())) { CacheLifetime = TimeSpan.Zero };

        /// <summary>The ldaps:// directory, trusting the test root.</summary>
        public DirectoryCertificateSource Tls(NetworkCredential? credential = null) =>
            new(new DirectoryLocation(LdapUrl.Parse(Server!.LdapsUri), new LdapConnectionOptions { Credential = credential, TrustedRoots = new[] { Root } })) { CacheLifetime = TimeSpan.Zero };

        /// <summary>The ldap:// directory upgraded with StartTLS, trusting the test root.</summary>
        public DirectoryCertificateSource StartTls(NetworkCredential? credential = null) =>
            new(new DirectoryLocation(LdapUrl.Parse(Server!.LdapUri), new LdapConnectionOptions { Security = LdapSecurity.StartTls, Credential = credential, TrustedRoots = new[] { Root } })) { CacheLifetime = TimeSpan.Zero };

        public void Dispose()
        {
            Server?.Dispose();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
