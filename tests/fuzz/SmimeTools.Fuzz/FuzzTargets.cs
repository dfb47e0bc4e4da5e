using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security;
using System.Text;
using Org.BouncyCastle.Ocsp;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Ldap;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Trust;

namespace SmimeTools.Fuzz
{
    /// <summary>
    /// Every parser of hostile input with its entry point, as the fuzzer and the regression replay call it. Keys and
    /// certificates come from a test PKI folder, so encrypted inputs made for them are opened all the way.
    /// </summary>
    internal sealed class FuzzTargets : IDisposable
    {
        private const string CorporaSeeds = "../shared/corpora";

        private readonly string _scratch;
        private readonly SecureString _password;
        private readonly Lazy<IReadOnlyList<PrivateKey>> _keys;
        private readonly Lazy<(CertificateData Issuer, CertificateID Id)> _ocspSubject;
        private readonly Lazy<LoopbackLdapServer> _ldap;

        public FuzzTargets(string pkiFolder, string scratchFolder)
        {
            PkiFolder = pkiFolder;
            _scratch = scratchFolder;
            Directory.CreateDirectory(_scratch);
            _password = new NetworkCredential(string.Empty, "test-password").SecurePassword;
            _keys = new Lazy<IReadOnlyList<PrivateKey>>(LoadKeys);
            _ocspSubject = new Lazy<(CertificateData, CertificateID)>(LoadOcspSubject);
            _ldap = new Lazy<LoopbackLdapServer>(() => new LoopbackLdapServer());
            All = new[]
            {
                new FuzzTarget("asn1", $"{CorporaSeeds}/rfc4134, rfc9216/examples-cms, openssl/recipes/80-test_cms_data (every DER file)", Asn1),
                new FuzzTarget("enveloped", $"{CorporaSeeds}/rfc4134 5.x, rfc9216 encrypted*/authEnveloped*; generated: EnvelopedData and AuthEnvelopedData for the test PKI's keys", Enveloped),
                new FuzzTarget("signed", $"{CorporaSeeds}/rfc4134 4.x, rfc9216 signed*, openssl cms data; generated: SignedData by the test PKI's users", Signed),
                new FuzzTarget("pkcs12", $"{CorporaSeeds}/pkcs12-rustcrypto, mimekit-smime *.pfx; generated: the test PKI's .p12 files and one without MAC or encryption", Pkcs12),
                new FuzzTarget("ldap", "generated: LDAP search answers (entries with certificates, references, paged results, notices)", Ldap),
                new FuzzTarget("mime", $"{CorporaSeeds}/rfc4134 *.eml, openssl smime-eml, rfc9216 header-protection; generated: signed, encrypted, compressed messages and an mbox file", Mime),
                new FuzzTarget("compressed", "generated: CompressedData of text and of a signed message", Compressed),
                new FuzzTarget("certfile", $"{CorporaSeeds}/rfc9216/certs, openssl/smime-certs, rfc4134 *.cer; generated: the test PKI's PEM, DER and PKCS#7 files", CertificateFile),
                new FuzzTarget("crl", $"{CorporaSeeds}/rfc4134 *.crl; generated: the test PKI's CRLs (DER and PEM)", Crl),
                new FuzzTarget("ocsp", "generated: OCSP responses for the test PKI's rsa2048 user (good, revoked, unknown, errors)", Ocsp),
            };
        }

        public string PkiFolder { get; }

        public IReadOnlyList<FuzzTarget> All { get; }

        public FuzzTarget this[string name] => All.FirstOrDefault(t => t.Name == name)
            ?? throw new ArgumentException($"No fuzz target '{name}'; there are: {string.Join(", ", All.Select(t => t.Name))}.", nameof(name));

        public IReadOnlyList<PrivateKey> Keys => _keys.Value;

        public void Dispose()
        {
            if (_ldap.IsValueCreated)
            {
                _ldap.Value.Dispose();
            }

            if (_keys.IsValueCreated)
            {
                foreach (var key in _keys.Value)
                {
                    key.Dispose();
                }
            }
        }

        /// <summary>The streaming BER reader on its own: every element entered, every primitive read, every OCTET STRING streamed.</summary>
        private static void Asn1(byte[] input)
        {
            var reader = new Asn1StreamingReader(new MemoryStream(input, writable: false), "The fuzz input");
            while (reader.TryReadHeader(out var header))
            {
                Walk(reader, header, 0);
            }
        }

        private static void Walk(Asn1StreamingReader reader, in Asn1StreamingHeader header, int depth)
        {
            if (header.IsUniversal(Asn1StreamingHeader.TagOctetString))
            {
                using var octets = reader.OpenOctetString(header);
                octets.CopyTo(Stream.Null);
            }
            else if (header.IsConstructed && depth < 64)
            {
                reader.Enter(header);
                while (reader.HasMore())
                {
                    Walk(reader, reader.ReadHeader(), depth + 1);
                }

                reader.Leave();
            }
            else if (header.IsConstructed)
            {
                reader.Skip(header);
            }
            else
            {
                reader.ReadContents(header);
            }
        }

        /// <summary>EnvelopedData and AuthEnvelopedData: recipients listed, then decrypted with the test PKI's RSA, P-256 and X25519 keys.</summary>
        private void Enveloped(byte[] input)
        {
            var reader = EnvelopedDataReader.Open(new MemoryStream(input, writable: false));
            foreach (var recipient in reader.Recipients)
            {
                _ = recipient.ToString();
            }

            reader.Decrypt(Keys, Stream.Null);
        }

        /// <summary>SignedData both ways: with its content (opaque signing) and as a detached signature over fixed content.</summary>
        private static void Signed(byte[] input)
        {
            try
            {
                SignedDataReader.ReadEncapsulated(new MemoryStream(input, writable: false), Stream.Null);
            }
            catch (Engine.SmimeException)
            {
                // A detached signature is refused here and read below.
            }

            SignedDataReader.ReadDetached(input, new MemoryStream(Encoding.ASCII.GetBytes("Content-Type: text/plain\r\n\r\nfuzz\r\n"), writable: false));
        }

        private static void Compressed(byte[] input) =>
            CompressedDataReader.Decompress(new MemoryStream(input, writable: false), Stream.Null);

        private static void Pkcs12(byte[] input) =>
            Pkcs12Reader.Read(input, "fuzz.p12", "test-password".ToCharArray());

        /// <summary>PEM, DER, PKCS#7 and PKCS#12 certificate files, as Get-SmimeCertificate -Path reads them.</summary>
        private void CertificateFile(byte[] input)
        {
            var path = Path.Combine(_scratch, "input.crt");
            File.WriteAllBytes(path, input);
            foreach (var entry in CertificateFileReader.ReadFile(path, _password))
            {
                _ = entry.Certificate.Subject;
            }
        }

        private static void Crl(byte[] input)
        {
            var problems = new List<string>();
            foreach (var crl in CrlData.Parse(input, "the fuzz input", online: false, InputLimits.Default, problems))
            {
                crl.EnsureEntriesRead();
                _ = crl.Description;
            }
        }

        /// <summary>An OCSP responder's answer about the test PKI's rsa2048 user, judged as an online check would.</summary>
        private void Ocsp(byte[] input)
        {
            var (issuer, id) = _ocspSubject.Value;
            OcspQuery.Read(input, id, FuzzSeeds.OcspNonce, issuer, issuer.Key!, new Uri("http://127.0.0.1/ocsp"), out _, out _);
        }

        /// <summary>The LDAP client searching a server on loopback whose whole answer is the input.</summary>
        private void Ldap(byte[] input)
        {
            var server = _ldap.Value;
            server.Answer = input;
            var options = new LdapConnectionOptions { Timeout = TimeSpan.FromSeconds(2) };
            using var connection = LdapConnection.Open(LdapUrl.Parse($"ldap://127.0.0.1:{server.Port}/dc=example,dc=org"), options);
            var result = connection.Search("dc=example,dc=org", LdapScope.Subtree, LdapFilter.Equal("mail", "alice@example.org"), new[] { "userCertificate;binary" });
            foreach (var entry in result.Entries)
            {
                _ = entry.ToString();
            }
        }

        /// <summary>
        /// The MIME walk through the use cases: inspect (a single message, and an mbox file when it looks like one),
        /// unprotect with the test PKI's keys, and verify (which cuts the signed part).
        /// </summary>
        private void Mime(byte[] input)
        {
            var message = MessageInput.FromBytes(input);
            Try(() => MessageInspector.Inspect(message, _scratch));
            if (input.AsSpan().StartsWith("From "u8))
            {
                Try(() => MessageInspector.InspectMbox(message, _scratch, _ => { }).Count());
            }

            Try(() => MessageUnprotector.Unprotect(message, new UnprotectOptions { Keys = Keys, RemoveSignature = true }, MessageOutput.ToMemory()));
            var verify = new SignatureVerifyOptions { Keys = Keys, TemporaryFolder = _scratch, Validation = new ValidationOptions() };
            SignatureVerifier.Verify(message, verify);
        }

        /// <summary>Runs one use case of several on the same input; its typed error does not stop the next.</summary>
        private static void Try(Func<object?> useCase)
        {
            try
            {
                useCase();
            }
            catch (Engine.SmimeException)
            {
                // Expected for most fuzz inputs; the other use cases still run.
            }
        }

        private IReadOnlyList<PrivateKey> LoadKeys() => new[] { "rsa2048", "p256", "x25519" }
            .Select(name => CertificateFileReader.ReadFile(Path.Combine(PkiFolder, name + ".p12"), _password)
                .First(e => e.KeyLocation != KeyLocation.None))
            .Select(entry => PrivateKeys.Open(entry.Key!))
            .ToArray();

        private (CertificateData, CertificateID) LoadOcspSubject()
        {
            var issuer = CertificateData.TryCreate(FuzzSeeds.LoadCertificate(Path.Combine(PkiFolder, "intermediate.cer")), out _)!;
            var subject = CertificateData.TryCreate(FuzzSeeds.LoadCertificate(Path.Combine(PkiFolder, "rsa2048.cer")), out _)!;
            return (issuer, new CertificateID(CertificateID.DigestSha1, issuer.Bc, subject.Bc.SerialNumber));
        }
    }
}
