using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Trust;
using Xunit;
using Xunit.Abstractions;

namespace SmimeTools.Tests.Trust
{
    /// <summary>
    /// The RFC 4134 signed samples judged with Carl's RSA and DSS roots as anchors, in the three profiles of
    /// rfc4134/baseline-openssl-3.0.19.tsv: no revocation check, Carl's empty CRLs, and Carl's CRLs that revoke everyone
    /// (plus, in both CRL profiles, the CRLs the messages carry). A message is valid when every signer's signature and
    /// certification path are.
    /// </summary>
    public sealed class Rfc4134Tests
    {
        private readonly ITestOutputHelper _output;

        public Rfc4134Tests(ITestOutputHelper output) => _output = output;

        public static IEnumerable<object[]> Cases()
        {
            string? root = TrustCorpus.Root();
            string? table = root == null ? null : Path.Combine(root, "rfc4134", "baseline-openssl-3.0.19.tsv");
            if (table == null || !File.Exists(table))
            {
                yield return new object[] { "(no corpus)", string.Empty, false };
                yield break;
            }

            foreach (string line in File.ReadLines(table).Skip(1))
            {
                var cells = line.Split('\t');
                if (cells.Length >= 3 && cells[1] is "trust-only" or "crl-empty" or "crl-revoked-all")
                {
                    yield return new object[] { cells[0], cells[1], cells[2] == "valid" };
                }
            }
        }

        [SkippableTheory]
        [MemberData(nameof(Cases))]
        public void SignedSampleIsJudgedCorrectly(string sample, string profile, bool valid)
        {
            string? root = TrustCorpus.Root();
            Skip.If(root == null || profile.Length == 0, TrustCorpus.Absent);

            string folder = Path.Combine(root, "rfc4134");
            var data = Read(folder, sample);
            var options = new ValidationOptions
            {
                RevocationMode = profile == "trust-only" ? RevocationMode.None : RevocationMode.Offline,
            };
            options.TrustedRoots.Add(Load(folder, "CarlRSASelf.cer"));
            options.TrustedRoots.Add(Load(folder, "CarlDSSSelf.cer"));
            if (profile == "crl-empty")
            {
                options.AddCrlPath(Path.Combine(folder, "CarlRSACRLEmpty.crl"));
                options.AddCrlPath(Path.Combine(folder, "CarlDSSCRLEmpty.crl"));
            }
            else if (profile == "crl-revoked-all")
            {
                options.AddCrlPath(Path.Combine(folder, "CarlRSACRLForAll.crl"));
                options.AddCrlPath(Path.Combine(folder, "CarlDSSCRLForAll.crl"));
            }

            Assert.NotEmpty(data.Signers);
            bool all = true;
            foreach (var signer in data.Signers)
            {
                Assert.NotNull(signer.Certificate);
                var result = PathValidator.Validate(signer.Certificate!, data.Certificates, data.Crls, options);
                _output.WriteLine($"{sample} {profile}: signer {signer.Certificate!.Subject}: signature {signer.Status}, path {(result.IsValid ? "valid" : result.Status.ToString())}");
                foreach (var problem in result.Problems)
                {
                    _output.WriteLine("  " + problem);
                }

                all &= signer.IsValid && result.IsValid;
                if (profile == "crl-revoked-all")
                {
                    Assert.Equal(TrustProblemCode.Revoked, result.Status);
                }
            }

            Assert.Equal(valid, all);
        }

        private static SignedDataResult Read(string folder, string sample)
        {
            var certificates = Directory.GetFiles(folder, "*.cer").Select(f => X509CertificateLoader.LoadCertificateFromFile(f)).ToList();
            string eml = Path.Combine(folder, sample + ".eml");
            if (File.Exists(eml))
            {
                return TrustCorpus.ReadSignedMessage(eml);
            }

            using var input = File.OpenRead(Path.Combine(folder, sample + ".bin"));
            if (sample == "4.3")
            {
                return SignedDataReader.ReadDetached(input, new MemoryStream(File.ReadAllBytes(Path.Combine(folder, "ExContent.bin"))), certificates);
            }

            return SignedDataReader.ReadEncapsulated(input, Stream.Null, certificates);
        }

        private static X509Certificate2 Load(string folder, string name) => X509CertificateLoader.LoadCertificateFromFile(Path.Combine(folder, name));
    }
}
