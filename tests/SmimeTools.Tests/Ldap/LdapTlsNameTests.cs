using System;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Ldap;
using Xunit;

namespace SmimeTools.Tests.Ldap
{
    /// <summary>
    /// The server's TLS certificate must be for the host in the URI even when its CA is trusted: a TLS server on
    /// 127.0.0.1 whose certificate names another host is refused before a byte of LDAP is sent.
    /// </summary>
    public sealed class LdapTlsNameTests
    {
        [Fact]
        public async Task ACertificateForAnotherHostIsRefusedEvenFromATrustedCa()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=other.example", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("other.example");
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            using var server = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);

            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var serving = Task.Run(async () =>
            {
                using var client = await listener.AcceptTcpClientAsync();
                using var tls = new SslStream(client.GetStream());
                try
                {
                    await tls.AuthenticateAsServerAsync(server);
                    _ = await tls.ReadAsync(new byte[1]);
                }
                catch (Exception e) when (e is System.IO.IOException or System.Security.Authentication.AuthenticationException)
                {
                    // The client hung up when it saw the certificate: expected.
                }
            });

            var options = new LdapConnectionOptions { TrustedRoots = new[] { X509CertificateLoader.LoadCertificate(server.RawData) }, Timeout = TimeSpan.FromSeconds(10) };
            using var directory = new DirectoryCertificateSource(new DirectoryLocation(LdapUrl.Parse($"ldaps://127.0.0.1:{port}/dc=example,dc=com"), options));
            var failure = Assert.Throws<SmimeException>(() => directory.FindByAddress("alice@example.com"));
            Assert.Equal(ErrorIds.DirectoryTlsFailed, failure.ErrorId);
            Assert.Contains("is not for '127.0.0.1'", failure.Message, StringComparison.Ordinal);
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
