using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;
using SmimeTools.Engine;
using SmimeTools.Engine.Certificates;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;
using SmimeTools.Engine.Tokens;
using SmimeTools.Tests.Interop;
using SmimeTools.Tests.TestPki;
using Xunit;

namespace SmimeTools.Tests.Tokens
{
    /// <summary>
    /// Token keys on a real SoftHSM2 token the tests initialise: identities written from the test PKI's PKCS#12 files,
    /// found again as certificates with KeyLocation Token, signing and decrypting through the engine's key interfaces,
    /// openssl on the other side, enrolment with a key generated on the token, and the errors users meet.
    /// Skips with the reason when SoftHSM2 is absent.
    /// </summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class TokenKeyTests
    {
        private const string Label = "smime-engine";
        private static readonly object SetupGate = new();
        private static string? _serial;

        private readonly TestPkiFixture _fixture;

        public TokenKeyTests(TestPkiFixture fixture)
        {
            _fixture = fixture;
        }

        private static SoftHsm Hsm
        {
            get
            {
                Skip.If(SoftHsm.Missing != null, SoftHsm.Missing);
                return SoftHsm.Instance!;
            }
        }

        private static System.Security.SecureString Pin => TokenPin.FromText(SoftHsm.UserPin);

        /// <summary>A token with the rsa2048 and p256 identities, made once for the class.</summary>
        private string Token()
        {
            var hsm = Hsm;
            lock (SetupGate)
            {
                if (_serial == null)
                {
                    _serial = hsm.InitToken(Label);
                    using var writer = new TokenWriter(hsm.LibraryPath, Label, Pin);
                    foreach (var name in new[] { "rsa2048", "p256" })
                    {
                        var user = _fixture.Pki.Users[name];
                        foreach (var identity in IdentityImporter.ReadIdentities(user.Pkcs12Path, TokenPin.FromText(_fixture.Pki.Password)))
                        {
                            var record = writer.Write(identity);
                            Assert.Equal("Token", record.Format);
                            Assert.False(record.Exportable);
                        }
                    }
                }

                return _serial;
            }
        }

        private CertificateEntry Identity(string name, bool withPin = true)
        {
            Token();
            var thumbprint = _fixture.Pki.Users[name].Thumbprint;
            var entries = new Pkcs11CertificateSource(Hsm.LibraryPath, Label, withPin ? Pin : null).Read().ToList();
            return entries.Single(e => string.Equals(e.Certificate.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase));
        }

        [SkippableFact]
        public void CertificatesOnTheTokenAreListedAndThoseWithKeysAreTokenIdentities()
        {
            Token();
            var entries = new Pkcs11CertificateSource(Hsm.LibraryPath, Label, Pin).Read().ToList();
            var identities = entries.Where(e => e.KeyLocation == KeyLocation.Token).Select(e => e.Certificate.Thumbprint).ToList();
            Assert.Contains(_fixture.Pki.Users["rsa2048"].Thumbprint, identities, StringComparer.OrdinalIgnoreCase);
            Assert.Contains(_fixture.Pki.Users["p256"].Thumbprint, identities, StringComparer.OrdinalIgnoreCase);

            // The CA certificates of the PKCS#12 files were written too, as plain certificates.
            Assert.Contains(entries, e => e.KeyLocation == KeyLocation.None && e.Certificate.Thumbprint.Equals(_fixture.Pki.Intermediate.Thumbprint, StringComparison.OrdinalIgnoreCase));
            Assert.All(entries, e => Assert.StartsWith("pkcs11:token=" + Label, e.Source, StringComparison.Ordinal));

            // Without the PIN the private keys are hidden; the public keys beside the certificates still say which are identities.
            var withoutPin = new Pkcs11CertificateSource(Hsm.LibraryPath, Label).Read().Where(e => e.KeyLocation == KeyLocation.Token).ToList();
            Assert.Equal(identities.Count, withoutPin.Count);
            Assert.All(withoutPin, e => Assert.IsType<TokenKeyReference>(e.Key));
        }

        [SkippableFact]
        public void ATokenIdentityCarriesWhereItsKeyIsAndOpensAgainWhenGivenBack()
        {
            var withPin = Identity("p256");
            var reference = Assert.IsType<TokenKeyReference>(withPin.Key);
            Assert.Same(withPin.Certificate, reference.Certificate);
            Assert.Equal(Hsm.LibraryPath, reference.ModulePath);
            Assert.Equal(Label, reference.TokenLabel);
            Assert.Equal(Token(), reference.TokenSerial);
            Assert.NotEmpty(reference.Id);
            Assert.NotNull(reference.Pin);
            Assert.Null(Assert.IsType<TokenKeyReference>(Identity("p256", withPin: false).Key).Pin);

            // A certificate handed out to a caller and given back finds its token key again.
            KeyReferences.Remember(reference);
            var back = KeyReferences.OfCallerCertificate(withPin.Certificate, KeyLocation.File);
            Assert.Same(reference, back);
            using var key = PrivateKeys.Open(back!);
            var data = new byte[] { 7, 8, 9 };
            var signature = key.Sign(data, DigestAlgorithm.Sha256, SignatureAlgorithm.Ecdsa);
            Assert.True(withPin.Certificate.GetECDsaPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }

        [SkippableFact]
        public void TheKeyOnTheTokenIsSensitiveAndCannotBeExtracted()
        {
            var identity = Identity("rsa2048");
            Assert.False(identity.Certificate.HasPrivateKey);
            using var key = PrivateKeys.Open(identity.Key!);
            Assert.IsType<TokenKey>(key);
            Assert.Equal(KeyLocation.Token, key.Location);
            Assert.True(key.CanSignInParallel, "each worker gets a session of its own where the token allows");
        }

        [SkippableTheory]
        [InlineData("rsa2048", SignatureAlgorithm.RsaPkcs1, DigestAlgorithm.Sha256)]
        [InlineData("rsa2048", SignatureAlgorithm.RsaPss, DigestAlgorithm.Sha256)]
        [InlineData("rsa2048", SignatureAlgorithm.RsaPss, DigestAlgorithm.Sha512)]
        [InlineData("p256", SignatureAlgorithm.Ecdsa, DigestAlgorithm.Sha256)]
        [InlineData("p256", SignatureAlgorithm.Ecdsa, DigestAlgorithm.Sha384)]
        public void SignaturesMadeOnTheTokenVerifyWithTheCertificate(string name, SignatureAlgorithm algorithm, DigestAlgorithm digest)
        {
            var identity = Identity(name);
            using var key = PrivateKeys.Open(identity.Key!);
            var data = RandomNumberGenerator.GetBytes(300);
            var signature = key.Sign(data, digest, algorithm);
            var hash = SoftwareKey.HashName(digest);
            if (algorithm == SignatureAlgorithm.Ecdsa)
            {
                using var ec = identity.Certificate.GetECDsaPublicKey()!;
                Assert.True(ec.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence));
                data[0] ^= 1;
                Assert.False(ec.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence));
            }
            else
            {
                using var rsa = identity.Certificate.GetRSAPublicKey()!;
                var padding = algorithm == SignatureAlgorithm.RsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
                Assert.True(rsa.VerifyData(data, signature, hash, padding));
                data[0] ^= 1;
                Assert.False(rsa.VerifyData(data, signature, hash, padding));
            }
        }

        [SkippableTheory]
        [InlineData("pkcs1")]
        [InlineData("oaep-sha1")]
        [InlineData("oaep-sha256")]
        public void RsaKeyTransportIsUndoneOnTheToken(string mode)
        {
            var identity = Identity("rsa2048");
            var padding = mode switch
            {
                "pkcs1" => RSAEncryptionPadding.Pkcs1,
                "oaep-sha1" => RSAEncryptionPadding.OaepSHA1,
                _ => RSAEncryptionPadding.OaepSHA256,
            };
            var secret = RandomNumberGenerator.GetBytes(32);
            using var rsa = identity.Certificate.GetRSAPublicKey()!;
            using var key = PrivateKeys.Open(identity.Key!);
            if (mode == "oaep-sha256")
            {
                // SoftHSM2 does OAEP with SHA-1 only; a token that refuses says so clearly instead of failing vaguely.
                try
                {
                    Assert.Equal(secret, key.DecryptKey(rsa.Encrypt(secret, padding), padding));
                }
                catch (SmimeException e)
                {
                    Assert.Equal(ErrorIds.UnsupportedAlgorithm, e.ErrorId);
                }

                return;
            }

            Assert.Equal(secret, key.DecryptKey(rsa.Encrypt(secret, padding), padding));
        }

        [SkippableFact]
        public void EcdhAgreementOnTheTokenGivesTheSameSecretAsTheSender()
        {
            var identity = Identity("p256");
            using var sender = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            using var recipient = identity.Certificate.GetECDiffieHellmanPublicKey() ?? throw new InvalidOperationException("no ECDH key");
            var expected = sender.DeriveRawSecretAgreement(recipient.PublicKey);
            using var key = PrivateKeys.Open(identity.Key!);
            Assert.Equal(expected, key.Agree(sender.ExportSubjectPublicKeyInfo()));
        }

        [SkippableFact]
        public void KeysOfOneTokenShareOneSessionAndOneLogin()
        {
            var rsa = Identity("rsa2048");
            var ec = Identity("p256");
            var library = TokenLibrary.Open(Hsm.LibraryPath);
            using (var first = PrivateKeys.Open(rsa.Key!))
            using (var second = PrivateKeys.Open(ec.Key!))
            {
                for (var i = 0; i < 20; i++)
                {
                    first.Sign(new byte[] { (byte)i }, DigestAlgorithm.Sha256, SignatureAlgorithm.RsaPkcs1);
                    second.Sign(new byte[] { (byte)i }, DigestAlgorithm.Sha256, SignatureAlgorithm.Ecdsa);
                }

                Assert.Equal(1, library.OpenSessionCount);
            }

            Assert.Equal(0, library.OpenSessionCount);
        }

        [SkippableFact]
        public void WorkersOfAParallelJobGetSessionsOfTheirOwnAndAllCloseWithTheKey()
        {
            var identity = Identity("rsa2048");
            var library = TokenLibrary.Open(Hsm.LibraryPath);
            var secret = RandomNumberGenerator.GetBytes(32);
            using var rsa = identity.Certificate.GetRSAPublicKey()!;
            var encrypted = rsa.Encrypt(secret, RSAEncryptionPadding.Pkcs1);
            using (var key = (TokenKey)PrivateKeys.Open(identity.Key!))
            {
                // Four workers decrypting at once, as Update-SmimeEncryption -ThrottleLimit 4 does: none waits for a busy session
                // while the token gives another, and every one gets the right key.
                var results = new System.Collections.Concurrent.ConcurrentBag<byte[]>();
                using (var start = new System.Threading.Barrier(4))
                {
                    System.Threading.Tasks.Parallel.For(0, 4, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
                    {
                        start.SignalAndWait();
                        for (var i = 0; i < 25; i++)
                        {
                            results.Add(key.DecryptKey(encrypted, RSAEncryptionPadding.Pkcs1));
                        }
                    });
                }

                Assert.Equal(100, results.Count);
                Assert.All(results, r => Assert.Equal(secret, r));
                Assert.InRange(key.OwnSessionCount, 1, Environment.ProcessorCount);
                Assert.Equal(1 + key.OwnSessionCount, library.OpenSessionCount);
            }

            Assert.Equal(0, library.OpenSessionCount);
        }

        [SkippableFact]
        public void WithoutAPinTheKeyAsksForOneAndOnlyWhenItIsUsed()
        {
            var identity = Identity("rsa2048", withPin: false);
            var asked = new List<string>();
            using (var deferred = new DeferredSigningKey(identity.Key!, token =>
            {
                asked.Add(token.Label);
                return Pin;
            }))
            {
                Assert.Empty(asked);
                deferred.Sign(new byte[] { 1 }, DigestAlgorithm.Sha256, SignatureAlgorithm.RsaPkcs1);
                deferred.Sign(new byte[] { 2 }, DigestAlgorithm.Sha256, SignatureAlgorithm.RsaPkcs1);
                Assert.Equal(new[] { Label }, asked);
            }

            // Once the last key of the token is closed, the login is gone: a new key needs the PIN again.
            Assert.Equal(0, TokenLibrary.Open(Hsm.LibraryPath).OpenSessionCount);

            var none = Assert.Throws<SmimeException>(() => PrivateKeys.Open(identity.Key!, _ => null));
            Assert.Equal(ErrorIds.TokenPinRequired, none.ErrorId);
        }

        [SkippableFact]
        public void AWrongPinIsTokenLoginFailed()
        {
            Token();
            Assert.Equal(0, TokenLibrary.Open(Hsm.LibraryPath).OpenSessionCount);
            var error = Assert.Throws<SmimeException>(() => new Pkcs11CertificateSource(Hsm.LibraryPath, Label, TokenPin.FromText("000000")).Read().ToList());
            Assert.Equal(ErrorIds.TokenLoginFailed, error.ErrorId);
            Assert.Equal(SmimeErrorKind.AuthenticationError, error.Kind);
        }

        [SkippableFact]
        public void AMissingLibraryAndAnAbsentTokenAreTheirOwnErrors()
        {
            Token();
            var missing = Assert.Throws<SmimeException>(() => new Pkcs11CertificateSource(Path.Combine(_fixture.Folder, "no-such-pkcs11.so")).Read().ToList());
            Assert.Equal(ErrorIds.Pkcs11ModuleNotFound, missing.ErrorId);

            var notALibrary = Path.Combine(_fixture.Folder, "not-a-library.so");
            File.WriteAllText(notALibrary, "this is text, not a shared object");
            var bad = Assert.Throws<SmimeException>(() => new Pkcs11CertificateSource(notALibrary).Read().ToList());
            Assert.Contains(bad.ErrorId, new[] { ErrorIds.Pkcs11ModuleFailed, ErrorIds.Pkcs11ModuleNotFound });

            var absent = Assert.Throws<SmimeException>(() => new Pkcs11CertificateSource(Hsm.LibraryPath, "no-such-token").Read().ToList());
            Assert.Equal(ErrorIds.TokenNotFound, absent.ErrorId);
            Assert.Contains(Label, absent.Message, StringComparison.Ordinal);
        }

        [SkippableFact]
        public void APkcs11UriFindsOneIdentity()
        {
            var identity = Identity("p256");
            var uri = identity.Source + "&pin-value=" + SoftHsm.UserPin;
            var found = Pkcs11CertificateSource.FromUri(uri).Read().ToList();
            var single = Assert.Single(found);
            Assert.Equal(identity.Certificate.Thumbprint, single.Certificate.Thumbprint);
            Assert.Equal(KeyLocation.Token, single.KeyLocation);
        }

        [SkippableFact]
        public void OpenSslVerifiesWhatTheTokenSigned()
        {
            Skip.If(ExternalTool.Find("openssl") == null, "openssl is not installed");
            foreach (var (name, algorithm) in new[] { ("rsa2048", SignatureAlgorithm.RsaPkcs1), ("rsa2048", SignatureAlgorithm.RsaPss), ("p256", SignatureAlgorithm.Ecdsa) })
            {
                var identity = Identity(name);
                using var key = PrivateKeys.Open(identity.Key!);
                var content = RandomNumberGenerator.GetBytes(4000);
                var folder = Directory.CreateDirectory(Path.Combine(_fixture.Folder, "token-openssl-" + Guid.NewGuid().ToString("N"))).FullName;
                File.WriteAllBytes(Path.Combine(folder, "content.bin"), content);
                File.WriteAllBytes(Path.Combine(folder, "signature.p7s"),
                    SignedDataBuilder.CreateDetached(new MemoryStream(content), new SigningOptions { Key = key, Algorithm = algorithm }));
                var (code, _, stderr) = ExternalTool.Run("openssl", new[]
                {
                    "cms", "-verify", "-binary", "-inform", "DER", "-in", Path.Combine(folder, "signature.p7s"), "-content", Path.Combine(folder, "content.bin"),
                    "-CAfile", _fixture.Pki.ChainPemPath, "-out", Path.Combine(folder, "verified.bin"),
                });
                Assert.True(code == 0, $"openssl cms -verify rejected the {name} {algorithm} token signature ({code}): {stderr}");
            }
        }

        [SkippableTheory]
        [InlineData("rsa2048", "")]
        [InlineData("rsa2048", "-keyopt rsa_padding_mode:oaep")]
        [InlineData("p256", "")]
        public void WhatOpenSslEncryptsToTheTokenCertificateDecryptsOnTheToken(string name, string keyOptions)
        {
            Skip.If(ExternalTool.Find("openssl") == null, "openssl is not installed");
            var identity = Identity(name);
            var folder = Directory.CreateDirectory(Path.Combine(_fixture.Folder, "token-openssl-" + Guid.NewGuid().ToString("N"))).FullName;
            var content = RandomNumberGenerator.GetBytes(10_000);
            File.WriteAllBytes(Path.Combine(folder, "content.bin"), content);
            var arguments = new List<string> { "cms", "-encrypt", "-binary", "-aes-256-cbc", "-outform", "DER", "-in", Path.Combine(folder, "content.bin"), "-out", Path.Combine(folder, "message.p7m"), "-recip", _fixture.Pki.Users[name].CertificatePath };
            arguments.AddRange(keyOptions.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            var (code, _, stderr) = ExternalTool.Run("openssl", arguments);
            Assert.True(code == 0, $"openssl cms -encrypt failed ({code}): {stderr}");

            using var key = PrivateKeys.Open(identity.Key!);
            var output = new MemoryStream();
            using (var input = File.OpenRead(Path.Combine(folder, "message.p7m")))
            {
                EnvelopedDataReader.Decrypt(input, output, new IKeyDecryptor[] { key });
            }

            Assert.Equal(content, output.ToArray());
        }

        [SkippableTheory]
        [InlineData(TokenKeyType.Rsa2048)]
        [InlineData(TokenKeyType.P256)]
        public void EnrolmentKeepsTheKeyOnTheTokenFromRequestToSignature(TokenKeyType type)
        {
            Token();
            var email = $"enrol-{type.ToString().ToLowerInvariant()}@example.test";
            var requestPath = Path.Combine(_fixture.Folder, $"enrol-{type}-{Guid.NewGuid():N}.csr");
            CertificateRequestRecord request;
            using (var writer = new TokenWriter(Hsm.LibraryPath, Label, Pin))
            {
                request = writer.GenerateRequest(type, $"CN=Enrolled {type}, O=SmimeTools Test", new[] { email }, path: requestPath);
            }

            Assert.Equal(request.Pem, File.ReadAllText(requestPath));
            var csr = new Pkcs10CertificationRequest(Convert.FromBase64String(string.Concat(request.Pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))));
            Assert.True(csr.Verify(), "the request's signature (made on the token) does not verify");

            // The test CA issues the certificate for the request's public key.
            var ca = _fixture.Pki.Intermediate;
            var generator = new X509V3CertificateGenerator();
            generator.SetSerialNumber(Org.BouncyCastle.Math.BigInteger.ValueOf(DateTime.UtcNow.Ticks));
            generator.SetIssuerDN(ca.Certificate.SubjectDN);
            generator.SetSubjectDN(csr.GetCertificationRequestInfo().Subject);
            generator.SetNotBefore(DateTime.UtcNow.AddMinutes(-5));
            generator.SetNotAfter(DateTime.UtcNow.AddDays(30));
            generator.SetPublicKey(csr.GetPublicKey());
            generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.Rfc822Name, email)));
            generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | (type == TokenKeyType.P256 ? KeyUsage.KeyAgreement : KeyUsage.KeyEncipherment)));
            var issued = generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", ca.PrivateKey));
            var certificate = X509CertificateLoader.LoadCertificate(issued.GetEncoded());

            using (var writer = new TokenWriter(Hsm.LibraryPath, Label, Pin))
            {
                var stored = writer.StoreCertificate(certificate, "test");
                Assert.False(stored.Replaced);
                Assert.True(writer.StoreCertificate(certificate, "test").Replaced);
            }

            var entry = new Pkcs11CertificateSource(Hsm.LibraryPath, Label, Pin).Read().Single(e => e.Certificate.Thumbprint == certificate.Thumbprint);
            Assert.Equal(KeyLocation.Token, entry.KeyLocation);
            Assert.Equal(request.KeyId, Convert.ToHexString(Assert.IsType<TokenKeyReference>(entry.Key).Id));
            using var key = PrivateKeys.Open(entry.Key!);
            var data = new byte[] { 1, 2, 3 };
            var signature = key.Sign(data, DigestAlgorithm.Sha256, SignatureAlgorithm.Default);
            if (type == TokenKeyType.P256)
            {
                Assert.True(entry.Certificate.GetECDsaPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            }
            else
            {
                Assert.True(entry.Certificate.GetRSAPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            }

            // A certificate whose key is not on the token cannot be stored as an identity there.
            using var other = new TokenWriter(Hsm.LibraryPath, Label, Pin);
            var notHere = Assert.Throws<SmimeException>(() => other.StoreCertificate(_fixture.Pki.Users["rsa3072"].GetCertificate(), "test"));
            Assert.Equal(ErrorIds.TokenKeyNotFound, notHere.ErrorId);
        }
    }
}
