using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Trust;
using Xunit;
using Xunit.Abstractions;

namespace SmimeTools.Tests.Trust
{
    /// <summary>
    /// NIST PKITS 1.0.1 through its S/MIME messages: for each of the 247 cases of pkits/expected/pkits-smime-expected.tsv,
    /// the signer certificate, certificates and CRLs are taken from the message, the trust anchor is PKITS's Trust Anchor,
    /// the policy inputs are the case's, and the verdict (PKITS.pdf; 4.14.30 valid) and the authorities- and
    /// user-constrained policy sets must agree.
    /// </summary>
    public sealed class PkitsTests
    {
        /// <summary>Inside every PKITS validity window (certificates 2010–2030; the newest CRL is of 2011).</summary>
        private static readonly DateTimeOffset ValidationTime = new(2020, 6, 1, 0, 0, 0, TimeSpan.Zero);

        private static readonly Lazy<Dictionary<string, PkitsCase>?> AllCases = new(Load);

        private readonly ITestOutputHelper _output;

        public PkitsTests(ITestOutputHelper output) => _output = output;

        public static IEnumerable<object[]> CaseIds()
        {
            var cases = AllCases.Value;
            if (cases == null)
            {
                yield return new object[] { "(no corpus)" };
                yield break;
            }

            foreach (string id in cases.Keys)
            {
                yield return new object[] { id };
            }
        }

        [SkippableTheory]
        [MemberData(nameof(CaseIds))]
        public void PkitsCaseAgrees(string id)
        {
            var cases = AllCases.Value;
            Skip.If(cases == null, TrustCorpus.Absent);

            var test = cases[id];
            var watch = Stopwatch.StartNew();
            var result = Validate(test);
            watch.Stop();
            _output.WriteLine($"{test.Id} {test.Title}: expected {(test.Valid ? "valid" : "invalid")}, got {(result.IsValid ? "valid" : "invalid")} in {watch.ElapsedMilliseconds} ms");
            foreach (var problem in result.Problems)
            {
                _output.WriteLine("  " + problem);
            }

            _output.WriteLine($"  authorities-constrained: {string.Join(" ", result.AuthorityConstrainedPolicies)}; user-constrained: {string.Join(" ", result.UserConstrainedPolicies)}; explicit policy: {result.ExplicitPolicyRequired}");
            Assert.True(test.Valid == result.IsValid, $"{test.Id} {test.Title}: expected {(test.Valid ? "valid" : "invalid")}; problems: {string.Join(" | ", result.Problems)}");
            if (test.AuthoritySet != null)
            {
                Assert.Equal(test.AuthoritySet, result.AuthorityConstrainedPolicies.OrderBy(p => p, StringComparer.Ordinal));
            }

            if (test.UserSet != null)
            {
                Assert.Equal(test.UserSet, result.UserConstrainedPolicies.OrderBy(p => p, StringComparer.Ordinal));
            }

            if (test.ExplicitPolicy != null)
            {
                Assert.Equal(test.ExplicitPolicy.Value, result.ExplicitPolicyRequired);
            }
        }

        internal static PathValidationResult Validate(PkitsCase test)
        {
            var data = TrustCorpus.ReadSignedMessage(test.MessagePath);
            var signer = Assert.Single(data.Signers);
            Assert.NotNull(signer.Certificate);
            var options = new ValidationOptions
            {
                At = ValidationTime,
                RevocationMode = RevocationMode.Offline,
                RequireExplicitPolicy = test.RequireExplicitPolicy,
                InhibitPolicyMapping = test.InhibitPolicyMapping,
                InhibitAnyPolicy = test.InhibitAnyPolicy,
            };
            options.TrustedRoots.Add(X509CertificateLoader.LoadCertificateFromFile(test.AnchorPath));
            foreach (string policy in test.InitialPolicies)
            {
                options.InitialPolicies.Add(policy);
            }

            return PathValidator.Validate(signer.Certificate!, data.Certificates, data.Crls, options);
        }

        private static Dictionary<string, PkitsCase>? Load()
        {
            string? root = TrustCorpus.Root();
            if (root == null)
            {
                return null;
            }

            string folder = Path.Combine(root, "pkits");
            string table = Path.Combine(folder, "expected", "pkits-smime-expected.tsv");
            if (!File.Exists(table))
            {
                return null;
            }

            var lines = File.ReadAllLines(table);
            var header = lines[0].Split('\t');
            int Column(string name) => Array.IndexOf(header, name);
            var cases = new Dictionary<string, PkitsCase>(StringComparer.Ordinal);
            foreach (string line in lines.Skip(1).Where(l => l.Length > 0))
            {
                var cells = line.Split('\t');
                string Cell(string name) => Column(name) < cells.Length ? cells[Column(name)] : string.Empty;
                var arguments = Cell("openssl_args").Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var policies = new List<string>();
                for (int i = 0; i < arguments.Length; i++)
                {
                    if (arguments[i] == "-policy" && i + 1 < arguments.Length)
                    {
                        policies.Add(PolicyOid(arguments[++i]));
                    }
                }

                string id = Cell("id");
                cases.Add(id, new PkitsCase
                {
                    Id = id,
                    Title = Cell("title"),
                    MessagePath = Path.Combine(folder, "pkits", "smime", Cell("file")),
                    AnchorPath = Path.Combine(folder, "pkits", "certs", "TrustAnchorRootCertificate.crt"),
                    Valid = Cell("pkits_doc_expected") == "valid",
                    InitialPolicies = policies,
                    RequireExplicitPolicy = arguments.Contains("-explicit_policy"),
                    InhibitPolicyMapping = arguments.Contains("-inhibit_map"),
                    InhibitAnyPolicy = arguments.Contains("-inhibit_any"),
                    ExplicitPolicy = Cell("expected_explicit_policy") switch { "True" => true, "False" => false, _ => null },
                    AuthoritySet = PolicySet(Cell("expected_authority_policy_set")),
                    UserSet = PolicySet(Cell("expected_user_policy_set")),
                });
            }

            return cases;
        }

        private static string PolicyOid(string name) => name is "anyPolicy" or "X509v3 Any Policy" ? ValidationOptions.AnyPolicy : name;

        private static string[]? PolicySet(string cell) => cell switch
        {
            "" => null,
            "<empty>" => Array.Empty<string>(),
            _ => cell.Split(':').Select(PolicyOid).OrderBy(p => p, StringComparer.Ordinal).ToArray(),
        };

        internal sealed class PkitsCase
        {
            public required string Id { get; init; }

            public required string Title { get; init; }

            public required string MessagePath { get; init; }

            public required string AnchorPath { get; init; }

            public bool Valid { get; init; }

            public required IReadOnlyList<string> InitialPolicies { get; init; }

            public bool RequireExplicitPolicy { get; init; }

            public bool InhibitPolicyMapping { get; init; }

            public bool InhibitAnyPolicy { get; init; }

            public bool? ExplicitPolicy { get; init; }

            public string[]? AuthoritySet { get; init; }

            public string[]? UserSet { get; init; }
        }
    }
}
