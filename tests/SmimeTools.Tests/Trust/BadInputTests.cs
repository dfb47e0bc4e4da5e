using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using SmimeTools.Engine.Trust;
using Xunit;

namespace SmimeTools.Tests.Trust
{
    /// <summary>Hostile or broken input: loops, absurd depth, many alternatives, damaged certificates and CRLs. Never a hang, never valid.</summary>
    public sealed class BadInputTests
    {
        [Fact]
        public void CrossCertifiedLoopEndsWithoutAPath()
        {
            // A and B certify each other; the user is issued by A. Nothing reaches the anchor.
            var a = MiniCa.Root("Loop A");
            var b = a.IssueCa("Loop B");
            var aByB = b.IssueCa("Loop A", a.Key);
            var user = a.IssueUser("looped");
            var anchor = MiniCa.Root("Unrelated Root");
            var options = Options(anchor);
            var result = PathValidator.Validate(MiniCa.ToDotNet(user), new[] { b.DotNet, aByB.DotNet }, null, options);
            Assert.False(result.IsValid);
            Assert.Contains(result.Problems, p => p.Code is TrustProblemCode.PartialChain or TrustProblemCode.UntrustedRoot);
        }

        [Fact]
        public void AnAbsurdlyDeepChainIsRefused()
        {
            var root = MiniCa.Root("Deep Root");
            var cas = new List<MiniCa>();
            var current = root;
            for (int i = 0; i < 40; i++)
            {
                current = current.IssueCa("Deep CA " + i);
                cas.Add(current);
            }

            var user = current.IssueUser("deep");
            var options = Options(root);
            var e = Assert.Throws<SmimeTools.Engine.SmimeException>(() => PathValidator.Validate(MiniCa.ToDotNet(user), MiniCa.ToDotNet(cas), null, options));
            Assert.Equal(SmimeTools.Engine.ErrorIds.PathTooLong, e.ErrorId);
            Assert.Contains(nameof(SmimeTools.Engine.InputLimits.MaximumPathLength), e.RecommendedAction, StringComparison.Ordinal);

            // Within the limit the same kind of chain is fine.
            options.Limits = options.Limits with { MaximumPathLength = 64 };
            Assert.True(PathValidator.Validate(MiniCa.ToDotNet(user), MiniCa.ToDotNet(cas), null, options).IsValid);
        }

        [Fact]
        public void ManyAlternativeIssuersAreBoundedAndTheGoodPathIsStillFound()
        {
            // Eight levels, each with four same-name certificates of which only the last leads anywhere: 4^8 dead ends.
            var root = MiniCa.Root("Wide Root");
            var certificates = new List<X509Certificate2>();
            var current = root;
            for (int level = 0; level < 8; level++)
            {
                string name = "Wide CA " + level;
                var stranger = MiniCa.Root("Stranger " + level);
                for (int j = 0; j < 3; j++)
                {
                    certificates.Add(stranger.IssueCa(name).DotNet);
                }

                current = current.IssueCa(name);
                certificates.Add(current.DotNet);
            }

            var user = current.IssueUser("wide");
            var result = PathValidator.Validate(MiniCa.ToDotNet(user), certificates, null, Options(root));
            Assert.True(result.IsValid, string.Join(" | ", result.Problems));

            // Against an anchor none of them reaches, every alternative is a dead end, within the budget.
            var nowhere = PathValidator.Validate(MiniCa.ToDotNet(user), certificates, null, Options(MiniCa.Root("Elsewhere")));
            Assert.False(nowhere.IsValid);
            Assert.Contains(nowhere.Problems, p => p.Code is TrustProblemCode.UntrustedRoot or TrustProblemCode.PartialChain);
        }

        [Fact]
        public void ACrossCertifiedMeshStopsAtTheCandidateLimit()
        {
            // Eight CAs, each certified by every other: thousands of loop-free paths, none reaching the anchor.
            var certificates = Mesh(8, out var first);
            var user = first.IssueUser("meshed");
            var options = Options(MiniCa.Root("Mesh Elsewhere"));
            var started = DateTime.UtcNow;
            var e = Assert.Throws<SmimeTools.Engine.SmimeException>(() => PathValidator.Validate(MiniCa.ToDotNet(user), certificates, null, options));
            Assert.Equal(SmimeTools.Engine.ErrorIds.TooManyPathCandidates, e.ErrorId);
            Assert.Contains("-" + nameof(SmimeTools.Engine.InputLimits.MaximumPathCandidates), e.RecommendedAction, StringComparison.Ordinal);
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));

            // A mesh of four is searched whole within the default limit and found to lead nowhere; at a limit of 1 it is cut.
            var small = Mesh(4, out var smallFirst);
            var smallUser = MiniCa.ToDotNet(smallFirst.IssueUser("small-mesh"));
            var searched = PathValidator.Validate(smallUser, small, null, options);
            Assert.False(searched.IsValid);
            Assert.Contains(searched.Problems, p => p.Code is TrustProblemCode.UntrustedRoot or TrustProblemCode.PartialChain);
            options.Limits = options.Limits with { MaximumPathCandidates = 1 };
            Assert.Equal(SmimeTools.Engine.ErrorIds.TooManyPathCandidates,
                Assert.Throws<SmimeTools.Engine.SmimeException>(() => PathValidator.Validate(smallUser, small, null, options)).ErrorId);
        }

        private static List<X509Certificate2> Mesh(int size, out MiniCa first)
        {
            var cas = Enumerable.Range(0, size).Select(i => MiniCa.Root($"Mesh {size} CA {i}")).ToList();
            var certificates = new List<X509Certificate2>();
            foreach (var subject in cas)
            {
                foreach (var issuer in cas.Where(c => c != subject))
                {
                    certificates.Add(issuer.IssueCa(subject.Name, subject.Key).DotNet);
                }
            }

            first = cas[0];
            return certificates;
        }

        [Fact]
        public void TooManyCrlsFailTheValidation()
        {
            var root = MiniCa.Root("Many CRLs Root");
            var user = root.IssueUser("many-crls");
            var options = Options(root, RevocationMode.Offline);
            options.Limits = options.Limits with { MaximumCrlCount = 2 };
            foreach (var ca in new[] { root, MiniCa.Root("CRL Stranger 1"), MiniCa.Root("CRL Stranger 2") })
            {
                options.Crls.Add(ca.IssueCrl().GetEncoded());
            }

            var e = Assert.Throws<SmimeTools.Engine.SmimeException>(() => PathValidator.Validate(MiniCa.ToDotNet(user), options));
            Assert.Equal(SmimeTools.Engine.ErrorIds.TooManyCrls, e.ErrorId);

            options.Limits = options.Limits with { MaximumCrlCount = 3 };
            Assert.True(PathValidator.Validate(MiniCa.ToDotNet(user), options).IsValid);
        }

        [Fact]
        public void CrlFilesAndFoldersAreReadWithinTheLimits()
        {
            var folder = System.IO.Directory.CreateTempSubdirectory("smime-crl-limits-").FullName;
            try
            {
                var crls = new[] { "A", "B", "C" }.Select(n => MiniCa.Root("CRL File " + n).IssueCrl().GetEncoded()).ToArray();
                for (int i = 0; i < crls.Length; i++)
                {
                    System.IO.File.WriteAllBytes(System.IO.Path.Combine(folder, $"{i}.crl"), crls[i]);
                }

                var counted = new ValidationOptions { Limits = new SmimeTools.Engine.InputLimits { MaximumCrlCount = 2 } };
                Assert.Equal(SmimeTools.Engine.ErrorIds.TooManyCrls, Assert.Throws<SmimeTools.Engine.SmimeException>(() => counted.AddCrlPath(folder)).ErrorId);

                var small = crls.Min(c => c.Length) - 1;
                var sized = new ValidationOptions { Limits = new SmimeTools.Engine.InputLimits { MaximumCrlSize = small } };
                var file = Assert.Throws<SmimeTools.Engine.SmimeException>(() => sized.AddCrlPath(System.IO.Path.Combine(folder, "0.crl")));
                Assert.Equal(SmimeTools.Engine.ErrorIds.CrlTooLarge, file.ErrorId);
                Assert.Contains("0.crl", file.Message, StringComparison.Ordinal);
                Assert.Equal(SmimeTools.Engine.ErrorIds.CrlTooLarge, Assert.Throws<SmimeTools.Engine.SmimeException>(() => sized.AddCrlPath(folder)).ErrorId);

                new ValidationOptions().AddCrlPath(folder);
            }
            finally
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
        }

        [Fact]
        public void ADamagedExtensionMakesTheCertificateMalformed()
        {
            var root = MiniCa.Root("Damaged Root");
            var user = root.IssueUser("damaged", g => g.AddExtension(X509Extensions.CertificatePolicies, false, MiniCa.Garbage()));
            var result = PathValidator.Validate(MiniCa.ToDotNet(user), Options(root));
            Assert.False(result.IsValid);
            Assert.Equal(TrustProblemCode.MalformedCertificate, result.Status);
        }

        [Fact]
        public void AnUnknownCriticalExtensionFailsTheCertificate()
        {
            var root = MiniCa.Root("Critical Root");
            var user = root.IssueUser("critical", g => g.AddExtension(new DerObjectIdentifier("1.3.6.1.4.1.99999.1"), true, DerNull.Instance));
            var result = PathValidator.Validate(MiniCa.ToDotNet(user), Options(root));
            Assert.Equal(TrustProblemCode.UnknownCriticalExtension, result.Status);
        }

        [Fact]
        public void GarbageCrlsAreWarningsAndRevocationStaysUnknown()
        {
            var root = MiniCa.Root("Garbage CRL Root");
            var user = root.IssueUser("garbage");
            var options = Options(root, RevocationMode.Offline);
            options.Crls.Add(new byte[] { 0x30, 0x82, 0x10, 0x00, 0x01, 0x02 });
            options.Crls.Add(System.Text.Encoding.ASCII.GetBytes("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"));
            var result = PathValidator.Validate(MiniCa.ToDotNet(user), options);
            Assert.Equal(TrustProblemCode.RevocationUnknown, result.Status);
            Assert.Contains(result.Problems, p => !p.IsError && p.Code == TrustProblemCode.MalformedCertificate);
        }

        [Fact]
        public void ACrlSignedByAnotherKeyIsNotUsed()
        {
            var root = MiniCa.Root("Forged CRL Root");
            var user = root.IssueUser("forged");
            var forger = MiniCa.Root("Forged CRL Root");
            var options = Options(root, RevocationMode.Offline);
            options.Crls.Add(forger.IssueCrl().GetEncoded());
            var result = PathValidator.Validate(MiniCa.ToDotNet(user), options);
            Assert.Equal(TrustProblemCode.RevocationUnknown, result.Status);
            Assert.Contains(result.Problems, p => !p.IsError && p.Code == TrustProblemCode.InvalidSignature);

            options.Crls.Add(root.IssueCrl(user.SerialNumber).GetEncoded());
            Assert.Equal(TrustProblemCode.Revoked, PathValidator.Validate(MiniCa.ToDotNet(user), options).Status);
        }

        [Fact]
        public void AnExpiredAnchorIsReported()
        {
            var root = MiniCa.Root("Anchor Root");
            var user = root.IssueUser("anchored");
            var options = Options(root);
            options.At = DateTimeOffset.UtcNow.AddYears(6);
            var result = PathValidator.Validate(MiniCa.ToDotNet(user), options);
            Assert.Contains(result.Problems, p => p.Code == TrustProblemCode.Expired && p.Certificate!.Thumbprint == root.DotNet.Thumbprint);
        }

        [Fact]
        public void CancellationStopsTheValidation()
        {
            var root = MiniCa.Root("Cancelled Root");
            var user = root.IssueUser("cancelled");
            using var source = new System.Threading.CancellationTokenSource();
            source.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => PathValidator.Validate(MiniCa.ToDotNet(user), Options(root), source.Token));
        }

        [Fact]
        public void NameConstraintsOfTheCaApplyToTheUsersEmailAddress()
        {
            var root = MiniCa.Root("Constrained Root");
            var constrained = root.IssueCa("Constrained CA", extra: g => g.AddExtension(X509Extensions.NameConstraints, true,
                new NameConstraints(new GeneralSubtrees(new GeneralSubtree(new GeneralName(GeneralName.Rfc822Name, "example.org"))), null)));
            var user = constrained.IssueUser("outsider");
            var result = PathValidator.Validate(MiniCa.ToDotNet(user), new[] { constrained.DotNet }, null, Options(root));
            Assert.Equal(TrustProblemCode.NameConstraintViolation, result.Status);
            Assert.Contains("outsider@example.com", result.Problems[0].Message, StringComparison.Ordinal);
        }

        private static ValidationOptions Options(MiniCa anchor, RevocationMode mode = RevocationMode.None)
        {
            var options = new ValidationOptions { RevocationMode = mode };
            options.TrustedRoots.Add(anchor.DotNet);
            return options;
        }
    }
}
