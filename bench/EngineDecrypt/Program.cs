using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Keys;
using SmimeTools.Engine.Policy;

namespace SmimeTools.Bench
{
    /// <summary>Encrypts a large message per algorithm once (ours, and openssl -stream BER), then times EnvelopedDataReader.Decrypt to Stream.Null, best of N.</summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            long mebibytes = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 512;
            int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
            string folder = args.Length > 2 ? args[2] : Path.GetTempPath();
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=bench, E=bench@example.com", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment, false));
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            using var key = SoftwareKey.Create(certificate);
            var keys = new IKeyDecryptor[] { key };
            // One plaintext file for both writers: ours, and openssl cms -stream (BER, content in 4 KiB segments, the many-small-segments case).
            string plain = Path.Combine(folder, $"smimetools-bench-{Guid.NewGuid():N}.bin");
            string pem = Path.ChangeExtension(plain, ".pem");
            string message = Path.ChangeExtension(plain, ".p7m");
            try
            {
                using (var output = File.Create(plain))
                {
                    var chunk = new byte[1 << 16];
                    for (long written = 0; written < mebibytes << 20; written += chunk.Length)
                    {
                        chunk.AsSpan().Fill((byte)(written >> 16));
                        output.Write(chunk);
                    }
                }

                File.WriteAllText(pem, certificate.ExportCertificatePem());
                foreach (var (algorithm, cipher) in new[] { (ContentEncryptionAlgorithm.Aes256Cbc, "-aes-256-cbc"), (ContentEncryptionAlgorithm.Aes256Gcm, "-aes-256-gcm") })
                {
                    using (var input = File.OpenRead(plain))
                    using (var output = File.Create(message))
                    {
                        EnvelopedDataWriter.Write(input, output, new EncryptionOptions { Recipients = new[] { certificate }, ContentEncryption = algorithm });
                    }

                    Time(message, $"{algorithm}, ours", mebibytes, runs, keys);
                    var openssl = Process.Start(new ProcessStartInfo("openssl")
                    {
                        ArgumentList = { "cms", "-encrypt", "-binary", "-stream", "-outform", "DER", "-in", plain, "-out", message, cipher, pem },
                        UseShellExecute = false,
                    })!;
                    openssl.WaitForExit();
                    if (openssl.ExitCode != 0)
                    {
                        throw new InvalidOperationException($"openssl cms -encrypt {cipher} failed ({openssl.ExitCode})");
                    }

                    Time(message, $"{algorithm}, openssl -stream", mebibytes, runs, keys);
                }
            }
            finally
            {
                File.Delete(plain);
                File.Delete(pem);
                File.Delete(message);
            }

            return 0;
        }

        private static void Time(string path, string label, long mebibytes, int runs, IKeyDecryptor[] keys)
        {
            double best = double.MaxValue;
            for (int run = 0; run < runs; run++)
            {
                using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                var watch = Stopwatch.StartNew();
                var result = EnvelopedDataReader.Decrypt(input, Stream.Null, keys);
                watch.Stop();
                if (result.ContentLength != mebibytes << 20)
                {
                    throw new InvalidOperationException($"decrypted {result.ContentLength} bytes");
                }

                best = Math.Min(best, watch.Elapsed.TotalSeconds);
            }

            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-28} {1,6} MiB  best of {2}: {3,7:F3} s  {4,8:F1} MB/s",
                label, mebibytes, runs, best, (mebibytes << 20) / best / 1e6));
        }
    }
}
