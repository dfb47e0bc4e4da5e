using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimeTools.TestPki
{
    /// <summary>
    /// A throw-away S/MIME PKI made in code: root CA, intermediate CA, the users of DESIGN §6 (good and bad
    /// cases), CRLs, and all files (PEM, DER, PKCS#8, PKCS#12, chain, PKCS#7 bundle, manifest.json) in one folder.
    /// </summary>
    public sealed class TestPki
    {
        /// <summary>The password of every PKCS#12 and encrypted PKCS#8 file.</summary>
        public const string DefaultPassword = "test-password";

        /// <summary>Base of the CRL distribution point URIs unless another is given to <see cref="Create(string, Uri)"/>.</summary>
        public static readonly Uri DefaultCrlBaseUri = new Uri("http://127.0.0.1/smimetools-test/");

        /// <summary>RSA modulus size of the root CA.</summary>
        private const int RootKeyBits = 3072;

        /// <summary>RSA modulus size of the intermediate CA (2048: a third of the signing and key-generation cost of 3072).</summary>
        private const int IntermediateKeyBits = 2048;

        private TestPki(
            string folder,
            DateTime createdUtc,
            Uri crlBaseUri,
            TestCertificateAuthority root,
            TestCertificateAuthority intermediate,
            IReadOnlyDictionary<string, TestUser> users)
        {
            Folder = folder;
            CreatedUtc = createdUtc;
            CrlBaseUri = crlBaseUri;
            Root = root;
            Intermediate = intermediate;
            Users = users;
            ChainPemPath = Path.Combine(folder, "chain.pem");
            ChainWithCrlsPemPath = Path.Combine(folder, "chain-crls.pem");
            BundleP7bPath = Path.Combine(folder, "bundle.p7b");
            SampleMessagePath = Path.Combine(folder, "message.eml");
            ManifestPath = Path.Combine(folder, "manifest.json");
        }

        /// <summary>Names of all users, in manifest order (usable from xunit MemberData without creating a PKI).</summary>
        public static IReadOnlyList<string> UserNames { get; } =
            Array.AsReadOnly(UserSpec.All.Select(s => s.Name).ToArray());

        /// <summary>Names of the deliberately broken users.</summary>
        public static IReadOnlyList<string> BadCaseNames { get; } =
            Array.AsReadOnly(UserSpec.All.Where(s => s.BadCase).Select(s => s.Name).ToArray());

        /// <summary>Names of the well-formed users (rsa2048, rsa3072, p256, p384, p521, ed25519, x25519, renewed, idn).</summary>
        public static IReadOnlyList<string> GoodUserNames { get; } =
            Array.AsReadOnly(UserSpec.All.Where(s => !s.BadCase).Select(s => s.Name).ToArray());

        /// <summary>Absolute path of the folder holding every file.</summary>
        public string Folder { get; }

        /// <summary>The reference time (UTC, whole seconds) all validity periods were computed from.</summary>
        public DateTime CreatedUtc { get; }

        /// <summary>Base URI of the CRL distribution points ("root.crl" and "intermediate.crl" below it).</summary>
        public Uri CrlBaseUri { get; }

        /// <summary>Password of every PKCS#12 and encrypted PKCS#8 file.</summary>
        public string Password => DefaultPassword;

        public TestCertificateAuthority Root { get; }

        public TestCertificateAuthority Intermediate { get; }

        /// <summary>Users by name (see <see cref="UserNames"/>).</summary>
        public IReadOnlyDictionary<string, TestUser> Users { get; }

        /// <summary>Intermediate then root, PEM.</summary>
        public string ChainPemPath { get; }

        /// <summary>Intermediate, root, the intermediate's CRL and the root's CRL, PEM (for openssl -CAfile … -crl_check_all).</summary>
        public string ChainWithCrlsPemPath { get; }

        /// <summary>Certs-only PKCS#7 (DER) with the intermediate and the root.</summary>
        public string BundleP7bPath { get; }

        /// <summary>A plain message from alice@example.com to bob@example.com, with 8-bit text and an attachment, to protect in tests and examples.</summary>
        public string SampleMessagePath { get; }

        public string ManifestPath { get; }

        /// <summary>The loopback TLS server certificate (localhost, 127.0.0.1) for services the tests start.</summary>
        public TestTlsServer TlsServer { get; private set; } = null!;

        /// <summary>Creates the PKI in <paramref name="folder"/> (created if needed; existing files are overwritten).</summary>
        public static TestPki Create(string folder) => Create(folder, DefaultCrlBaseUri);

        /// <summary>
        /// Creates the PKI in <paramref name="folder"/>, with CRL distribution points below
        /// <paramref name="crlBaseUri"/> (e.g. a loopback HTTP server's prefix serving the folder).
        /// </summary>
        public static TestPki Create(string folder, Uri crlBaseUri)
        {
            ArgumentException.ThrowIfNullOrEmpty(folder);
            ArgumentNullException.ThrowIfNull(crlBaseUri);
            if (!crlBaseUri.IsAbsoluteUri)
            {
                throw new ArgumentException("The CRL base URI must be absolute.", nameof(crlBaseUri));
            }

            if (!crlBaseUri.AbsoluteUri.EndsWith("/", StringComparison.Ordinal))
            {
                crlBaseUri = new Uri(crlBaseUri.AbsoluteUri + "/");
            }

            string fullFolder = Path.GetFullPath(folder);
            Directory.CreateDirectory(fullFolder);

            var random = new SecureRandom();
            DateTime now = DateTime.UtcNow;
            now = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

            // Keys: all at once, the slow (large RSA) ones first.
            IReadOnlyList<UserSpec> specs = UserSpec.All;
            var keyRequests = new List<(int Index, KeyKind Kind, int Bits)>
            {
                (0, KeyKind.Rsa, RootKeyBits),
                (1, KeyKind.Rsa, IntermediateKeyBits),
            };
            for (int i = 0; i < specs.Count; i++)
            {
                keyRequests.Add((i + 2, specs[i].KeyKind, specs[i].RsaBits));
            }

            var keys = new GeneratedKey[keyRequests.Count];
            Parallel.ForEach(
                Partitioner.Create(keyRequests.OrderByDescending(r => r.Kind == KeyKind.Rsa ? r.Bits : 0), EnumerablePartitionerOptions.NoBuffering),
                request => keys[request.Index] = KeyGenerator.Generate(request.Kind, request.Bits, new SecureRandom()));

            GeneratedKey rootKey = keys[0];
            GeneratedKey intermediateKey = keys[1];
            string rootCrlUri = new Uri(crlBaseUri, "root.crl").AbsoluteUri;
            string intermediateCrlUri = new Uri(crlBaseUri, "intermediate.crl").AbsoluteUri;

            // CAs.
            DateTime caNotBefore = now.AddDays(-1);
            DateTime caNotAfter = caNotBefore.AddYears(10);
            X509Certificate rootCert = CertificateIssuer.IssueRoot(
                CertificateIssuer.Name("SmimeTools Test Root CA", null), rootKey, caNotBefore, caNotAfter, random);
            X509Certificate intermediateCert = CertificateIssuer.IssueIntermediate(
                CertificateIssuer.Name("SmimeTools Test Intermediate CA", null),
                intermediateKey,
                rootCert,
                rootKey.Private,
                rootCrlUri,
                caNotBefore,
                caNotAfter,
                random);

            // Users.
            var userCerts = new X509Certificate[specs.Count];
            Parallel.For(0, specs.Count, i =>
            {
                UserSpec spec = specs[i];
                (DateTime notBefore, DateTime notAfter) = spec.Validity switch
                {
                    ValidityKind.Expired => (now.AddYears(-2), now.AddYears(-1)),
                    ValidityKind.NotYetValid => (now.AddYears(1), now.AddYears(3)),
                    ValidityKind.Renewed => (now.AddHours(-1), now.AddHours(-1).AddYears(2)),
                    _ => (now.AddDays(-1), now.AddDays(-1).AddYears(2)),
                };
                userCerts[i] = CertificateIssuer.IssueUser(
                    spec, keys[i + 2], intermediateCert, intermediateKey.Private, intermediateCrlUri, notBefore, notAfter, new SecureRandom());
            });

            // CRLs.
            DateTime revocationDate = now.AddHours(-1);
            var revokedEntries = new List<(Org.BouncyCastle.Math.BigInteger, DateTime, int)>();
            for (int i = 0; i < specs.Count; i++)
            {
                if (specs[i].Revoked)
                {
                    revokedEntries.Add((userCerts[i].SerialNumber, revocationDate, CrlReason.KeyCompromise));
                }
            }

            X509Crl intermediateCrl = CertificateIssuer.IssueCrl(
                intermediateCert, intermediateKey.Private, now, now.AddDays(30), 1, revokedEntries, random);
            X509Crl rootCrl = CertificateIssuer.IssueCrl(
                rootCert, rootKey.Private, now, now.AddDays(30), 1, Array.Empty<(Org.BouncyCastle.Math.BigInteger, DateTime, int)>(), random);

            var root = new TestCertificateAuthority("root", rootKey, rootCert, rootCrl, rootCrlUri, fullFolder);
            var intermediate = new TestCertificateAuthority(
                "intermediate", intermediateKey, intermediateCert, intermediateCrl, intermediateCrlUri, fullFolder);

            // Files.
            WriteCa(root);
            WriteCa(intermediate);
            var users = new TestUser[specs.Count];
            Parallel.For(0, specs.Count, i =>
            {
                UserSpec spec = specs[i];
                var user = new TestUser(spec, keys[i + 2], userCerts[i], spec.Revoked ? revocationDate : null, fullFolder);
                WriteUser(user, intermediateCert, DefaultPassword);
                users[i] = user;
            });

            var byName = new Dictionary<string, TestUser>(StringComparer.Ordinal);
            foreach (TestUser user in users)
            {
                byName.Add(user.Name, user);
            }

            var pki = new TestPki(fullFolder, now, crlBaseUri, root, intermediate, new ReadOnlyDictionary<string, TestUser>(byName));
            pki.TlsServer = TestTlsServer.Issue(intermediateCert, intermediateKey.Private, caNotBefore, caNotBefore.AddYears(2), fullFolder);
            PkiFiles.WriteText(
                pki.ChainPemPath,
                PkiFiles.Pem("CERTIFICATE", intermediateCert.GetEncoded()) + PkiFiles.Pem("CERTIFICATE", rootCert.GetEncoded()));
            PkiFiles.WriteText(
                pki.ChainWithCrlsPemPath,
                PkiFiles.Pem("CERTIFICATE", intermediateCert.GetEncoded())
                + PkiFiles.Pem("CERTIFICATE", rootCert.GetEncoded())
                + PkiFiles.Pem("X509 CRL", intermediateCrl.GetEncoded())
                + PkiFiles.Pem("X509 CRL", rootCrl.GetEncoded()));
            File.WriteAllBytes(pki.BundleP7bPath, PkiFiles.CertsOnlyPkcs7(new[] { intermediateCert, rootCert }));
            File.WriteAllText(pki.SampleMessagePath, SampleMessage.Text(now), new System.Text.UTF8Encoding(false));
            ManifestWriter.Write(pki, pki.ManifestPath);
            return pki;
        }

        private static void WriteCa(TestCertificateAuthority ca)
        {
            PkiFiles.WriteCertificate(ca.Certificate, ca.CertificatePath, ca.CertificateDerPath);
            PkiFiles.WriteText(ca.PrivateKeyPath, PkiFiles.Pem("PRIVATE KEY", ca.GetPrivateKeyPkcs8()));
            PkiFiles.WriteCrl(ca.Crl, ca.CrlPemPath, ca.CrlDerPath);
        }

        private static void WriteUser(TestUser user, X509Certificate intermediate, string password)
        {
            byte[] pkcs8 = user.GetPrivateKeyPkcs8();
            PkiFiles.WriteCertificate(user.Certificate, user.CertificatePath, user.CertificateDerPath);
            PkiFiles.WriteText(user.PrivateKeyPath, PkiFiles.Pem("PRIVATE KEY", pkcs8));
            PkiFiles.WriteText(user.EncryptedPrivateKeyPath, PkiFiles.Pem("ENCRYPTED PRIVATE KEY", PkiFiles.EncryptedPkcs8(pkcs8, password)));
            File.WriteAllBytes(user.Pkcs12Path, PkiFiles.Pkcs12(user.Name, pkcs8, new[] { user.Certificate, intermediate }, password));
        }
    }
}
