using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine;
using SmimeTools.Engine.Trust;
using SmimeTools.Tests.TestPki;
using Xunit;
using Xunit.Abstractions;

namespace SmimeTools.Tests.Trust
{
    /// <summary>Path validation against the shared test PKI: the good user, every bad case, anchors, intermediates, time and CRLs.</summary>
    [Collection(SharedPkiCollection.Name)]
    public sealed class PathValidatorTests
    {
        private readonly TestPkiFixture _fixture;
        private readonly ITestOutputHelper _output;

        public PathValidatorTests(TestPkiFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        private global::SmimeTools.TestPki.TestPki Pki => _fixture.Pki;

        [Fact]
        public void AliceIsValidAgainstTheRootWithTheCrls()
        {
            var result = Validate("rsa2048", Options());
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            Assert.Null(result.Status);
            Assert.Equal(3, result.Chain.Count);
            Assert.Equal(Pki.Users["rsa2048"].Thumbprint, result.Chain[0].Thumbprint);
            Assert.Equal(Pki.Intermediate.Thumbprint, result.Chain[1].Thumbprint);
            Assert.Equal(Pki.Root.Thumbprint, result.TrustAnchor!.Thumbprint);
            Assert.Equal(2, result.RevocationChecks.Count);
            Assert.All(result.RevocationChecks, c => Assert.Equal(RevocationStatus.Good, c.Status));
            Assert.All(result.RevocationChecks, c => Assert.Equal(RevocationMethod.Crl, c.Method));
            Assert.Empty(result.Problems);
            // The test PKI's certificates carry no certificatePolicies: no policy set, and none was required.
            Assert.Empty(result.AuthorityConstrainedPolicies);
            Assert.False(result.ExplicitPolicyRequired);
        }

        [Theory]
        [InlineData("rsa3072")]
        [InlineData("p256")]
        [InlineData("p384")]
        [InlineData("ed25519")]
        public void OtherGoodSignersAreValid(string user)
        {
            var result = Validate(user, Options());
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
        }

        [Fact]
        public void KeyAgreementCertificateCannotSignButCanBeEncryptedTo()
        {
            Assert.Equal(TrustProblemCode.KeyUsageNotPermitted, Validate("x25519", Options()).Status);
            var options = Options();
            options.Purpose = CertificatePurpose.EmailEncryption;
            Assert.True(Validate("x25519", options).IsValid);
        }

        [Theory]
        [InlineData("expired", TrustProblemCode.Expired)]
        [InlineData("notyetvalid", TrustProblemCode.NotYetValid)]
        [InlineData("revoked", TrustProblemCode.Revoked)]
        [InlineData("wrongeku", TrustProblemCode.KeyUsageNotPermitted)]
        [InlineData("rsa512", TrustProblemCode.WeakKey)]
        public void BadCasesHaveTheirCode(string user, TrustProblemCode code)
        {
            var result = Validate(user, Options());
            Assert.False(result.IsValid);
            Assert.Equal(code, result.Status);
            var problem = result.Problems.First(p => p.Code == code);
            Assert.True(problem.IsError);
            Assert.Equal(0, problem.ChainIndex);
            Assert.Equal(Pki.Users[user].Thumbprint, problem.Certificate!.Thumbprint);
            Assert.False(string.IsNullOrWhiteSpace(problem.Message));
        }

        [Fact]
        public void RevokedCarriesDateAndReasonFromTheIntermediateCrl()
        {
            var result = Validate("revoked", Options());
            var problem = Assert.Single(result.Problems, p => p.Code == TrustProblemCode.Revoked);
            Assert.Equal(RevocationReason.KeyCompromise, problem.RevocationReason);
            Assert.Equal(Pki.Users["revoked"].RevocationDate, problem.RevocationDate!.Value.UtcDateTime);
            var check = result.RevocationChecks[0];
            Assert.Equal(RevocationStatus.Revoked, check.Status);
            Assert.Equal(RevocationReason.KeyCompromise, check.RevocationReason);
        }

        [Fact]
        public void SignOnlyMaySignButNotBeEncryptedTo()
        {
            Assert.True(Validate("signonly", Options()).IsValid);
            var options = Options();
            options.Purpose = CertificatePurpose.EmailEncryption;
            var result = Validate("signonly", options);
            Assert.Equal(TrustProblemCode.KeyUsageNotPermitted, result.Status);
        }

        [Fact]
        public void WeakKeyIsAWarningWhenWeakAlgorithmsAreAllowed()
        {
            var options = Options();
            options.AllowWeakAlgorithms = true;
            var result = Validate("rsa512", options);
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            Assert.True(result.HasWeakAlgorithm);
            Assert.Contains(result.Problems, p => p.Code == TrustProblemCode.WeakKey && !p.IsError);
        }

        [Fact]
        public void NoAnchorIsUntrustedRootEvenWhenTheMessageCarriesTheRoot()
        {
            var options = Options();
            options.TrustedRoots.Clear();
            var result = Validate("rsa2048", options, withRoot: true);
            Assert.False(result.IsValid);
            Assert.Equal(TrustProblemCode.UntrustedRoot, result.Status);
            Assert.Null(result.TrustAnchor);
            Assert.Equal(3, result.Chain.Count);
            Assert.Equal(Pki.Root.Thumbprint, result.Chain[2].Thumbprint);
        }

        [Fact]
        public void MissingIntermediateIsPartialChain()
        {
            var result = PathValidator.Validate(Pki.Users["rsa2048"].GetCertificate(), Options());
            Assert.Equal(TrustProblemCode.PartialChain, result.Status);
            Assert.Contains("SmimeTools Test Intermediate CA", result.Problems.First(p => p.Code == TrustProblemCode.PartialChain).Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ASelfSignedCertificateInTheMessageNeverBecomesAnAnchor()
        {
            // An impostor root with the real root's name, and a user it issued: both "in the message".
            var impostor = MiniCa.Root("SmimeTools Test Root CA");
            var user = impostor.IssueUser("mallory");
            var options = Options();
            var result = PathValidator.Validate(MiniCa.ToDotNet(user), new[] { impostor.DotNet }, null, options);
            Assert.False(result.IsValid);
            Assert.Null(result.TrustAnchor);
            Assert.Contains(result.Problems, p => p.Code is TrustProblemCode.UntrustedRoot or TrustProblemCode.PartialChain);

            // The same self-signed certificate as the end entity itself.
            var self = PathValidator.Validate(impostor.DotNet, new[] { impostor.DotNet }, null, options);
            Assert.Equal(TrustProblemCode.UntrustedRoot, self.Status);
        }

        [Fact]
        public void AnImpostorWithTheAnchorsNameFailsOnTheSignature()
        {
            var impostor = MiniCa.Root("Impostor");
            var rogue = impostor.IssueCa("SmimeTools Test Intermediate CA");
            var user = rogue.IssueUser("mallory");
            var result = PathValidator.Validate(MiniCa.ToDotNet(user), new[] { rogue.DotNet, impostor.DotNet, Pki.Intermediate.GetCertificate() }, null, Options());
            Assert.False(result.IsValid);
            Assert.NotEqual(impostor.DotNet.Thumbprint, result.TrustAnchor?.Thumbprint);
            Assert.Contains(result.Problems, p => p.Code is TrustProblemCode.InvalidSignature or TrustProblemCode.UntrustedRoot);
        }

        [Fact]
        public void ValidationTimeIsTheOneGiven()
        {
            var later = Options(RevocationMode.None);
            later.At = DateTimeOffset.UtcNow.AddYears(3);
            Assert.Equal(TrustProblemCode.Expired, Validate("rsa2048", later).Status);

            var whenValid = Options(RevocationMode.None);
            whenValid.At = DateTimeOffset.UtcNow.AddYears(1).AddMonths(6);
            var result = Validate("notyetvalid", whenValid);
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            Assert.Equal(whenValid.At, result.ValidationTime);
        }

        [Fact]
        public void OfflineWithoutCrlsIsRevocationUnknownUnlessSoftFailIsAsked()
        {
            var options = Options();
            options.Crls.Clear();
            var result = Validate("rsa2048", options);
            Assert.Equal(TrustProblemCode.RevocationUnknown, result.Status);
            Assert.All(result.RevocationChecks, c => Assert.Equal(RevocationStatus.Unknown, c.Status));

            options.AllowUnknownRevocation = true;
            result = Validate("rsa2048", options);
            Assert.True(result.IsValid);
            Assert.Contains(result.Problems, p => p.Code == TrustProblemCode.RevocationUnknown && !p.IsError);
        }

        [Theory]
        [InlineData(RevocationMode.Offline)]
        [InlineData(RevocationMode.Online)]
        public void RevocationUnknownSaysWhatToDo(RevocationMode mode)
        {
            // Online without a reachable responder: the test PKI's distribution points point nowhere on this machine.
            var options = Options(mode);
            options.Crls.Clear();
            options.MaxOnlineRequests = 0;
            var result = Validate("rsa2048", options);
            var unknown = Assert.Single(result.Problems, p => p.Code == TrustProblemCode.RevocationUnknown && p.ChainIndex == 0);
            Assert.True(unknown.IsError);
            Assert.EndsWith(TrustText.RevocationAdvice(mode), unknown.Message, StringComparison.Ordinal);
            Assert.NotEqual(TrustText.RevocationAdvice(RevocationMode.Offline), TrustText.RevocationAdvice(RevocationMode.Online));
        }

        [Fact]
        public void RevocationNoneChecksNothing()
        {
            var options = Options(RevocationMode.None);
            options.Crls.Clear();
            var result = Validate("revoked", options);
            Assert.True(result.IsValid);
            Assert.All(result.RevocationChecks, c => Assert.Equal(RevocationStatus.NotChecked, c.Status));
        }

        [Fact]
        public void CrlsCarriedInTheMessageAreUsed()
        {
            var options = Options();
            options.Crls.Clear();
            var result = PathValidator.Validate(Pki.Users["revoked"].GetCertificate(), new[] { Pki.Intermediate.GetCertificate() },
                new[] { Pki.Intermediate.GetCrlDer(), Pki.Root.GetCrlDer() }, options);
            Assert.Equal(TrustProblemCode.Revoked, result.Status);
            Assert.Contains("the message", result.RevocationChecks[0].Source, StringComparison.Ordinal);
        }

        [Fact]
        public void CrlsAreReadFromAFolderAndFromPemFiles()
        {
            var options = Options();
            options.Crls.Clear();
            options.AddCrlPath(Pki.Folder);
            Assert.True(Validate("rsa2048", options).IsValid);

            var pem = Options();
            pem.Crls.Clear();
            pem.AddCrlPath(Pki.Intermediate.CrlPemPath);
            pem.AddCrlPath(Pki.Root.CrlDerPath);
            Assert.Equal(TrustProblemCode.Revoked, Validate("revoked", pem).Status);
        }

        [Fact]
        public void ACrlFileThatIsNoCrlIsRefusedWithItsErrorId()
        {
            var options = Options();
            var e = Assert.Throws<SmimeException>(() => options.AddCrlPath(Pki.Root.CertificatePath));
            Assert.Equal(ErrorIds.UnreadableCrlFile, e.ErrorId);
            e = Assert.Throws<SmimeException>(() => options.AddCrlPath(Path.Combine(Pki.Folder, "no-such.crl")));
            Assert.Equal(ErrorIds.PathNotFound, e.ErrorId);
        }

        [Fact]
        public void ATrustedEndEntityIsValidByItself()
        {
            var options = Options(RevocationMode.None);
            options.TrustedRoots.Clear();
            options.TrustedRoots.Add(Pki.Users["rsa2048"].GetCertificate());
            var result = PathValidator.Validate(Pki.Users["rsa2048"].GetCertificate(), options);
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));
            Assert.Single(result.Chain);
        }

        [Fact]
        public void ACrlOverTheSizeLimitFailsTheValidation()
        {
            var options = Options();
            options.Limits = options.Limits with { MaximumCrlSize = 100 };
            var e = Assert.Throws<SmimeTools.Engine.SmimeException>(() => Validate("rsa2048", options));
            Assert.Equal(SmimeTools.Engine.ErrorIds.CrlTooLarge, e.ErrorId);
        }

        [Fact]
        public void TheSystemStoresAreAnchorsButDoNotTrustTheTestRoot()
        {
            Assert.Equal(TrustProblemCode.UntrustedRoot, Validate("rsa2048", SystemStoreOptions(), withRoot: true).Status);
        }

        [SkippableFact]
        public void ARootOfTheMachineStoreAnchorsItself()
        {
            using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
            store.Open(OpenFlags.ReadOnly);
            var now = DateTime.Now;
            var systemRoot = store.Certificates.FirstOrDefault(c => c.NotBefore < now && c.NotAfter > now);
            Skip.If(systemRoot == null, "The machine's root store holds no currently valid certificate (on Linux: no ca-certificates).");

            var options = SystemStoreOptions();
            options.Purpose = CertificatePurpose.Any;
            var result = PathValidator.Validate(systemRoot!, options);
            Assert.Equal(systemRoot.Thumbprint, result.TrustAnchor?.Thumbprint);
            _output.WriteLine($"{systemRoot.Subject}: {result}");
        }

        /// <summary>Anchors and intermediates from the OS stores only, no revocation.</summary>
        private static ValidationOptions SystemStoreOptions() => new()
        {
            RevocationMode = RevocationMode.None,
            UseSystemTrustStore = true,
            UseUserTrustStore = true,
            UseStoreIntermediates = true,
        };

        private PathValidationResult Validate(string user, ValidationOptions options, bool withRoot = false)
        {
            var extra = withRoot
                ? new[] { Pki.Intermediate.GetCertificate(), Pki.Root.GetCertificate() }
                : new[] { Pki.Intermediate.GetCertificate() };
            return PathValidator.Validate(Pki.Users[user].GetCertificate(), extra, null, options);
        }

        private ValidationOptions Options(RevocationMode mode = RevocationMode.Offline)
        {
            var options = new ValidationOptions { RevocationMode = mode };
            options.TrustedRoots.Add(Pki.Root.GetCertificate());
            options.Crls.Add(Pki.Intermediate.GetCrlDer());
            options.Crls.Add(Pki.Root.GetCrlDer());
            return options;
        }
    }
}
