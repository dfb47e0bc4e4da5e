using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;
using SmimeTools.Engine;
using SmimeTools.Engine.Enrolment;
using SmimeTools.Engine.Policy;
using SmimeTools.Engine.Tokens;
using SmimeTools.Tests.Interop;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Enrolment
{
    /// <summary>
    /// Enrolment in software: requests parsed back (subject, SAN, key usage, EKU, SMIMECapabilities, signature), the
    /// encrypted PKCS#8 key files (never plain; openssl opens them with the password), resuming from the state file
    /// without a second key, and completion into PKCS#12 with a certificate the test PKI's intermediate issues.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class EnrolmentTests : IDisposable
    {
        private const string KeyPasswordText = "key-pass-1";
        private readonly TestPkiFixture _fixture;
        private readonly string _folder;

        public EnrolmentTests(TestPkiFixture fixture)
        {
            _fixture = fixture;
            _folder = Path.Combine(Path.GetTempPath(), "smimetools-enrol-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(_folder);
        }

        private static SecureString KeyPassword => TokenPin.FromText(KeyPasswordText);

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private RequestSpecification Software(string email, TokenKeyType type = TokenKeyType.P256, RequestUsage usage = RequestUsage.Combined, string? commonName = null) => new()
        {
            CommonName = commonName,
            Emails = new[] { email },
            KeyType = type,
            Usage = usage,
            Location = PendingKeyLocation.File,
            KeyFolder = _folder,
            KeyPassword = KeyPassword,
        };

        private static IReadOnlyList<CertificateRequestRecord> Request(CertificateRequester requester, RequestSpecification specification)
        {
            var failures = new List<SmimeException>();
            var records = requester.Request(specification, failures);
            Assert.Empty(failures);
            return records;
        }

        private static Pkcs10CertificationRequest Parse(string pem) =>
            new(Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))));

        private static X509Extensions Extensions(Pkcs10CertificationRequest request)
        {
            var attribute = AttributePkcs.GetInstance(request.GetCertificationRequestInfo().Attributes[0]);
            Assert.Equal(PkcsObjectIdentifiers.Pkcs9AtExtensionRequest, attribute.AttrType);
            return X509Extensions.GetInstance(attribute.AttrValues[0]);
        }

        [Theory]
        [InlineData(TokenKeyType.Rsa2048, KeyUsage.DigitalSignature | KeyUsage.NonRepudiation | KeyUsage.KeyEncipherment)]
        [InlineData(TokenKeyType.P256, KeyUsage.DigitalSignature | KeyUsage.NonRepudiation | KeyUsage.KeyAgreement)]
        [InlineData(TokenKeyType.P384, KeyUsage.DigitalSignature | KeyUsage.NonRepudiation | KeyUsage.KeyAgreement)]
        public void RequestCarriesTheAddressUsagesAndCapabilitiesAndIsSignedByTheNewKey(TokenKeyType type, int keyUsage)
        {
            var record = Assert.Single(Request(new CertificateRequester(EnrolmentState.InMemory()), Software("Alice@Example.test", type, commonName: "Alice, the Tester")));
            var request = Parse(record.Pem);
            Assert.True(request.Verify(), "the request's signature does not verify with its own public key");
            var subject = new X500DistinguishedName(request.GetCertificationRequestInfo().Subject.GetDerEncoded());
            Assert.Contains("CN=\"Alice, the Tester\"", subject.Name, StringComparison.Ordinal);
            Assert.Contains("E=Alice@Example.test", subject.Name, StringComparison.Ordinal);
            var extensions = Extensions(request);
            var names = GeneralNames.GetInstance(extensions.GetExtension(X509Extensions.SubjectAlternativeName).GetParsedValue()).GetNames();
            Assert.Equal("Alice@Example.test", Assert.Single(names, n => n.TagNo == GeneralName.Rfc822Name).Name.ToString());
            var usage = extensions.GetExtension(X509Extensions.KeyUsage);
            Assert.True(usage.IsCritical);
            Assert.Equal(new KeyUsage(keyUsage), KeyUsage.GetInstance(usage.GetParsedValue()));
            Assert.Equal(new[] { KeyPurposeID.id_kp_emailProtection }, ExtendedKeyUsage.GetInstance(extensions.GetExtension(X509Extensions.ExtendedKeyUsage).GetParsedValue()).GetAllUsages());
            var capabilities = Asn1Sequence.GetInstance(extensions.GetExtension(new DerObjectIdentifier(CertificateRequestBuilder.SmimeCapabilitiesOid)).GetParsedValue());
            Assert.Equal(CertificateRequestBuilder.Capabilities, capabilities.OfType<Asn1Sequence>().Select(c => DerObjectIdentifier.GetInstance(c[0]).Id));
            Assert.Equal(PendingKeyLocation.File, record.KeyLocation);
            Assert.Equal(SoftwareKeyPair.Describe(type), record.KeyAlgorithm);
        }

        [Fact]
        public void SeparateUsageMakesASigningAndAnEncryptionKeyWithTheirOwnUsages()
        {
            var records = Request(new CertificateRequester(EnrolmentState.InMemory()), Software("bob@example.test", TokenKeyType.Rsa2048, RequestUsage.Separate));
            Assert.Equal(new[] { RequestPurpose.Signing, RequestPurpose.Encryption }, records.Select(r => r.Purpose));
            Assert.NotEqual(records[0].KeyFile, records[1].KeyFile);
            var signing = Extensions(Parse(records[0].Pem));
            var encryption = Extensions(Parse(records[1].Pem));
            Assert.Equal(new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.NonRepudiation), KeyUsage.GetInstance(signing.GetExtension(X509Extensions.KeyUsage).GetParsedValue()));
            Assert.Equal(new KeyUsage(KeyUsage.KeyEncipherment), KeyUsage.GetInstance(encryption.GetExtension(X509Extensions.KeyUsage).GetParsedValue()));
            Assert.Null(signing.GetExtension(new DerObjectIdentifier(CertificateRequestBuilder.SmimeCapabilitiesOid)));
            Assert.NotNull(encryption.GetExtension(new DerObjectIdentifier(CertificateRequestBuilder.SmimeCapabilitiesOid)));
            Assert.NotEqual(Parse(records[0].Pem).GetPublicKey(), Parse(records[1].Pem).GetPublicKey());
        }

        [SkippableFact]
        public void KeyFilesAreEncryptedPbes2Aes256OwnerOnlyAndOpenSslOpensThemWithThePassword()
        {
            var record = Assert.Single(Request(new CertificateRequester(EnrolmentState.InMemory()), Software("carol@example.test", TokenKeyType.Rsa2048)));
            var text = File.ReadAllText(record.KeyFile!);
            Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", text, StringComparison.Ordinal);
            Assert.DoesNotContain("BEGIN PRIVATE KEY", text, StringComparison.Ordinal);
            Assert.DoesNotContain("BEGIN RSA PRIVATE KEY", text, StringComparison.Ordinal);
            var info = EncryptedPrivateKeyInfo.GetInstance(Convert.FromBase64String(string.Concat(text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)))));
            Assert.Equal(PkcsObjectIdentifiers.IdPbeS2, info.EncryptionAlgorithm.Algorithm);
            var pbes2 = PbeS2Parameters.GetInstance(info.EncryptionAlgorithm.Parameters);
            Assert.Equal("2.16.840.1.101.3.4.1.42", pbes2.EncryptionScheme.Algorithm.Id);
            var kdf = Pbkdf2Params.GetInstance(pbes2.KeyDerivationFunc.Parameters);
            Assert.Equal(PkcsObjectIdentifiers.IdHmacWithSha256, kdf.Prf.Algorithm);
            Assert.Equal(SoftwareKeyPair.Iterations, kdf.IterationCount.IntValue);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(record.KeyFile!));
            }

            // The private key's public half is the request's: the file holds the key the request was made for.
            using (var key = SoftwareKeyPair.Read(record.KeyFile!, TokenKeyType.Rsa2048, KeyPassword))
            {
                Assert.Equal(CertificateRequester.PublicKeyHash(key.ExportSubjectPublicKeyInfo()), CertificateRequester.PublicKeyHash(Parse(record.Pem).GetCertificationRequestInfo().SubjectPublicKeyInfo.GetDerEncoded()));
            }

            Assert.Equal(ErrorIds.BadPassword, Assert.Throws<SmimeException>(() => SoftwareKeyPair.Read(record.KeyFile!, TokenKeyType.Rsa2048, TokenPin.FromText("wrong"))).ErrorId);
            ExternalTool.Require("openssl");
            var (code, stdout, stderr) = ExternalTool.Run("openssl", new[] { "pkey", "-in", record.KeyFile!, "-passin", "pass:" + KeyPasswordText, "-pubout" });
            Assert.True(code == 0, $"openssl pkey failed ({code}): {stderr}");
            Assert.Contains("BEGIN PUBLIC KEY", stdout, StringComparison.Ordinal);
            Assert.NotEqual(0, ExternalTool.Run("openssl", new[] { "pkey", "-in", record.KeyFile!, "-passin", "pass:wrong", "-noout" }).ExitCode);
        }

        [Fact]
        public void ARerunWithTheStateFileMakesNoSecondKeyAndTakesUpAKeyFileLeftBehind()
        {
            var statePath = Path.Combine(_folder, "state.json");
            var first = Request(new CertificateRequester(EnrolmentState.Open(statePath)), Software("dave@example.test"));
            var keyBytes = File.ReadAllBytes(first[0].KeyFile!);

            var again = Assert.Single(Request(new CertificateRequester(EnrolmentState.Open(statePath)), Software("DAVE@example.test")));
            Assert.True(again.Resumed);
            Assert.Equal(first[0].Pem, again.Pem);
            Assert.Equal(keyBytes, File.ReadAllBytes(again.KeyFile!));
            Assert.Single(Directory.GetFiles(_folder, "*.key.pem"));

            // A run stopped after writing a key file but before recording it: the rerun uses that key, not a new one.
            var orphan = Path.Combine(_folder, CertificateRequester.FileStem("erin@example.test", RequestPurpose.Both) + ".key.pem");
            using (var key = SoftwareKeyPair.Generate(TokenKeyType.P256))
            {
                SoftwareKeyPair.Write(orphan, key, KeyPassword);
                var adopted = Assert.Single(Request(new CertificateRequester(EnrolmentState.Open(statePath)), Software("erin@example.test")));
                Assert.False(adopted.Resumed);
                Assert.Equal(orphan, adopted.KeyFile);
                Assert.Equal(CertificateRequester.PublicKeyHash(key.ExportSubjectPublicKeyInfo()), CertificateRequester.PublicKeyHash(Parse(adopted.Pem).GetCertificationRequestInfo().SubjectPublicKeyInfo.GetDerEncoded()));
            }

            var state = EnrolmentState.Open(statePath);
            Assert.Equal(2, state.Entries.Count);
            Assert.All(state.Entries, e => Assert.Equal(EnrolmentStatus.Pending, e.Status));
            Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(statePath), StringComparison.Ordinal);
        }

        [Fact]
        public void ARowWithoutAnAddressOrWithABadSubjectFailsAloneAndIsRecorded()
        {
            var requester = new CertificateRequester(EnrolmentState.InMemory());
            var noAddress = Software("x@example.test");
            noAddress.Emails = Array.Empty<string>();
            Assert.Equal(ErrorIds.InvalidRequest, Assert.Throws<SmimeException>(() => requester.Request(noAddress, new List<SmimeException>())).ErrorId);
            var badSubject = Software("y@example.test");
            badSubject.Subject = "not a name";
            Assert.Equal(ErrorIds.InvalidDistinguishedName, Assert.Throws<SmimeException>(() => CertificateRequester.SubjectOf(badSubject)).ErrorId);

            var statePath = Path.Combine(_folder, "failed.json");
            var state = EnrolmentState.Open(statePath);
            var noPassword = Software("z@example.test");
            noPassword.KeyPassword = null;
            var failures = new List<SmimeException>();
            Assert.Empty(new CertificateRequester(state).Request(noPassword, failures));
            Assert.Equal(ErrorIds.BadPassword, Assert.Single(failures).ErrorId);
            var entry = Assert.Single(EnrolmentState.Open(statePath).Entries);
            Assert.Equal(EnrolmentStatus.Failed, entry.Status);
            Assert.Equal(ErrorIds.BadPassword, entry.ErrorId);
            Assert.Empty(Directory.GetFiles(_folder, "*.key.pem"));
        }

        [Fact]
        public void AStateFileThatIsNotOneIsRefusedAndLeftAlone()
        {
            var path = Path.Combine(_folder, "broken.json");
            File.WriteAllText(path, "{ \"version\": 1, \"requests\": [ { \"email\": \"\" } ] }");
            Assert.Equal(ErrorIds.InvalidStateFile, Assert.Throws<SmimeException>(() => EnrolmentState.Open(path)).ErrorId);
            File.WriteAllText(path, "not json");
            Assert.Equal(ErrorIds.InvalidStateFile, Assert.Throws<SmimeException>(() => EnrolmentState.Open(path)).ErrorId);
            Assert.Equal("not json", File.ReadAllText(path));
        }

        [Fact]
        public void CompletionMatchesByPublicKeyAndWritesPkcs12WithTheChain()
        {
            var statePath = Path.Combine(_folder, "complete.json");
            var records = Request(new CertificateRequester(EnrolmentState.Open(statePath)), Software("frank@example.test", TokenKeyType.P256, RequestUsage.Separate));
            var issued = records.Select(r => Issue(Parse(r.Pem), "frank@example.test")).ToList();
            var output = Directory.CreateDirectory(Path.Combine(_folder, "out")).FullName;
            var state = EnrolmentState.Open(statePath);
            var options = new CompletionOptions { OutFolder = output, KeyPassword = _ => KeyPassword, Pkcs12Password = _ => TokenPin.FromText("p12-pass") };
            options.Chain.Add(_fixture.Pki.Intermediate.GetCertificate());
            options.Chain.Add(_fixture.Pki.Root.GetCertificate());
            var completer = new RequestCompleter(state, options);

            using var stranger = _fixture.Pki.Users["rsa2048"].GetCertificate();
            Assert.Equal(ErrorIds.NoPendingRequest, Assert.Throws<SmimeException>(() => completer.Complete(stranger, "test", new List<SmimeException>())).ErrorId);

            // Given in the other order: each certificate still finds its own key.
            foreach (var certificate in Enumerable.Reverse(issued))
            {
                var record = completer.Complete(certificate, "test", new List<SmimeException>());
                Assert.Equal(EnrolmentStatus.Installed, record.Status);
                Assert.False(record.AlreadyInstalled);
            }

            Assert.True(completer.Complete(issued[0], "test", new List<SmimeException>()).AlreadyInstalled);
            Assert.Empty(Directory.GetFiles(_folder, "*.key.pem"));
            var summary = new EnrolmentSummary(EnrolmentState.Open(statePath));
            Assert.Equal(2, summary.InstalledCount);
            Assert.Equal(0, summary.PendingCount);

            var signingFile = Path.Combine(output, "frank@example.test-signing.p12");
            var store = new Pkcs12StoreBuilder().Build();
            using (var stream = File.OpenRead(signingFile))
            {
                store.Load(stream, "p12-pass".ToCharArray());
            }

            var alias = store.Aliases.Single(store.IsKeyEntry);
            Assert.Equal(3, store.GetCertificateChain(alias).Length);
            Assert.Equal(issued[0].RawData, store.GetCertificate(alias).Certificate.GetEncoded());
        }

        private X509Certificate2 Issue(Pkcs10CertificationRequest request, string email)
        {
            var ca = _fixture.Pki.Intermediate;
            var generator = new X509V3CertificateGenerator();
            generator.SetSerialNumber(new Org.BouncyCastle.Math.BigInteger(1, RandomNumberGenerator.GetBytes(12)));
            generator.SetIssuerDN(ca.Certificate.SubjectDN);
            generator.SetSubjectDN(request.GetCertificationRequestInfo().Subject);
            generator.SetNotBefore(DateTime.UtcNow.AddMinutes(-5));
            generator.SetNotAfter(DateTime.UtcNow.AddDays(30));
            generator.SetPublicKey(request.GetPublicKey());
            generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.Rfc822Name, email)));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyAgreement));
            return X509CertificateLoader.LoadCertificate(generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", ca.PrivateKey)).GetEncoded());
        }
    }
}
