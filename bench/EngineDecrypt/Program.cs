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
    /// <summary>Encrypts a large message per algorithm once, then times EnvelopedDataReader.Decrypt to Stream.Null, best of N.</summary>
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
            foreach (var algorithm in new[] { ContentEncryptionAlgorithm.Aes256Cbc, ContentEncryptionAlgorithm.Aes256Gcm })
            {
                string path = Path.Combine(folder, $"smimetools-bench-{algorithm}-{Guid.NewGuid():N}.p7m");
                try
                {
                    using (var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                    {
                        EnvelopedDataWriter.Write(new FillStream(mebibytes << 20), output, new EncryptionOptions { Recipients = new[] { certificate }, ContentEncryption = algorithm });
                    }

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

                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-10} {1,6} MiB  best of {2}: {3,7:F3} s  {4,8:F1} MB/s",
                        algorithm, mebibytes, runs, best, (mebibytes << 20) / best / 1e6));
                }
                finally
                {
                    File.Delete(path);
                }
            }

            return 0;
        }

        /// <summary>A forward-only source of <c>length</c> bytes of a cheap pattern.</summary>
        private sealed class FillStream : Stream
        {
            private readonly long _length;
            private long _position;

            public FillStream(long length) => _length = length;

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => _length;

            public override long Position
            {
                get => _position;
                set => throw new NotSupportedException();
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = (int)Math.Min(count, _length - _position);
                buffer.AsSpan(offset, n).Fill((byte)(_position >> 16));
                _position += n;
                return n;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
