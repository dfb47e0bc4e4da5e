using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using SmimeTools.Engine;
using SmimeTools.Engine.Trust;
using Xunit;

namespace SmimeTools.Tests.Trust
{
    /// <summary>Policies as users write them: dotted OIDs and the name anyPolicy; nothing else is taken for a policy.</summary>
    public sealed class CertificatePolicyOidTests
    {
        private const string CaPolicy = "1.3.6.1.4.1.55555.1.1";

        [Theory]
        [InlineData("anyPolicy")]
        [InlineData("ANYPOLICY")]
        [InlineData(" anypolicy ")]
        [InlineData("2.5.29.32.0")]
        public void AnyPolicyIsItsOid(string value) =>
            Assert.Equal(ValidationOptions.AnyPolicy, CertificatePolicyOid.Parse(value, "Policy"));

        [Theory]
        [InlineData("2.16.840.1.101.3.2.1.48.1")]
        [InlineData("1.3.6.1.4.1.55555.1.1")]
        [InlineData("0.39")]
        [InlineData("2.999.0")]
        public void DottedOidsPassAsTheyAre(string value) => Assert.Equal(value, CertificatePolicyOid.Parse(value, "Policy"));

        [Theory]
        [InlineData("any-policy")]
        [InlineData("X509v3 Any Policy")]
        [InlineData("1")]
        [InlineData("1.")]
        [InlineData("1..2")]
        [InlineData("3.1")]
        [InlineData("1.40")]
        [InlineData("1.2.03")]
        [InlineData("1.2.-3")]
        [InlineData("")]
        public void AnythingElseIsRefusedNamingTheValue(string value)
        {
            var e = Assert.Throws<SmimeException>(() => CertificatePolicyOid.Parse(value, "Policy"));
            Assert.Equal(ErrorIds.InvalidPolicyOid, e.ErrorId);
            Assert.Equal(SmimeErrorKind.InvalidArgument, e.Kind);
            Assert.Equal(value, e.Target);
            Assert.Contains($"'{value}'", e.Message, System.StringComparison.Ordinal);
        }

        [Fact]
        public void ParsedAnyPolicyAcceptsAPathThatRequiresAnExplicitPolicy()
        {
            // The reported bug: "anyPolicy" taken literally made every path lack "the required policies".
            var root = MiniCa.Root("Policy Root");
            var ca = root.IssueCa("Policy CA", extra: WithPolicy);
            var user = MiniCa.ToDotNet(ca.IssueUser("policy", WithPolicy));
            Assert.True(Validate(root, ca, user, CertificatePolicyOid.Parse("anyPolicy", "Policy")).IsValid);
            Assert.True(Validate(root, ca, user, CertificatePolicyOid.Parse(CaPolicy, "Policy")).IsValid);
            var other = Validate(root, ca, user, "1.3.6.1.4.1.55555.1.2");
            Assert.False(other.IsValid);
            Assert.Contains(other.Problems, p => p.Code == TrustProblemCode.PolicyViolation);
        }

        private static PathValidationResult Validate(MiniCa root, MiniCa ca, X509Certificate2 user, string policy)
        {
            var options = new ValidationOptions { RevocationMode = RevocationMode.None, RequireExplicitPolicy = true };
            options.TrustedRoots.Add(root.DotNet);
            options.InitialPolicies.Add(policy);
            return PathValidator.Validate(user, new[] { ca.DotNet }, null, options);
        }

        private static void WithPolicy(X509V3CertificateGenerator generator) =>
            generator.AddExtension(X509Extensions.CertificatePolicies, false, new CertificatePolicies(new PolicyInformation(new DerObjectIdentifier(CaPolicy))));
    }
}
