using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Messages;
using SmimeTools.Engine.Operations;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Bench
{
    /// <summary>Times MessageProtector.Protect (sign, then encrypt) on one message file, N runs each, without PowerShell.</summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            if (args.Length < 1)
            {
                Console.Error.WriteLine("usage: EngineProtect <message.eml> [runs] [sign|encrypt|both]");
                return 2;
            }

            string message = args[0];
            int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
            string which = args.Length > 2 ? args[2] : "both";
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=bench, E=bench@example.com", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            var key = new BenchKey(certificate, rsa);
            string output = message + ".bench.out";
            long bytes = new FileInfo(message).Length;
            try
            {
                foreach (var (name, options) in new[]
                {
                    ("sign", new ProtectOptions { SigningKey = key }),
                    ("encrypt", new ProtectOptions { Recipients = new[] { certificate }, ContentEncryption = ContentEncryptionAlgorithm.Aes256Cbc }),
                })
                {
                    if (which != "both" && which != name)
                    {
                        continue;
                    }

                    for (int run = 0; run < runs; run++)
                    {
                        File.Delete(output);
                        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                        var watch = Stopwatch.StartNew();
                        MessageProtector.Protect(MessageInput.FromFile(message), options, MessageOutput.ToFile(output, overwrite: true));
                        watch.Stop();
                        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

                        // CPU time (user and kernel, all threads) says more than wall time on a machine shared with other work.
                        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} {1:F3} s {2:F0} MB/s cpu {3:F3} s peak {4} MiB",
                            name, watch.Elapsed.TotalSeconds, bytes / watch.Elapsed.TotalSeconds / 1e6, cpu.TotalSeconds, Process.GetCurrentProcess().PeakWorkingSet64 >> 20));
                    }
                }
            }
            finally
            {
                File.Delete(output);
            }

            return 0;
        }

        /// <summary>An RSA key of the bench's own, so the harness needs no key file.</summary>
        private sealed class BenchKey : ISigningKey
        {
            private readonly RSA _rsa;

            public BenchKey(X509Certificate2 certificate, RSA rsa)
            {
                Certificate = certificate;
                _rsa = rsa;
            }

            public X509Certificate2 Certificate { get; }

            public KeyAlgorithmKind Algorithm => KeyAlgorithmKind.Rsa;

            public bool CanSignInParallel => false;

            public byte[] Sign(ReadOnlySpan<byte> data, DigestAlgorithm digest, SignatureAlgorithm algorithm) =>
                _rsa.SignData(data.ToArray(), new HashAlgorithmName(digest.ToString().ToUpperInvariant()), RSASignaturePadding.Pkcs1);
        }
    }
}
