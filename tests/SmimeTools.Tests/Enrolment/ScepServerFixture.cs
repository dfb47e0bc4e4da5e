using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using SmimeTools.Tests.Interop;
using Xunit;

namespace SmimeTools.Tests.Enrolment
{
    /// <summary>
    /// A real micromdm scepserver 2.1.0 (Debian package scep) for the SCEP tests: a new CA made with
    /// <c>scepserver ca -init</c> in a temporary depot, served on a free port with a challenge password, killed and
    /// deleted afterwards. It listens on every interface (it has no option to bind to loopback only), races on serial
    /// numbers under concurrent enrolments (so the tests enrol one at a time, in one collection), never answers
    /// PENDING and issues digitalSignature + clientAuth certificates only. When it is absent, <see cref="WhyUnavailable"/>
    /// says so and the tests skip.
    /// </summary>
    public sealed class ScepServerFixture : IDisposable
    {
        public const string Challenge = "scep-test-challenge";

        private readonly Process? _process;
        private readonly StringBuilder _log = new();

        public ScepServerFixture()
        {
            Folder = Path.Combine(Path.GetTempPath(), "smimetools-scep-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(Folder);
            var program = ExternalTool.Find("scepserver");
            if (program == null)
            {
                WhyUnavailable = "'scepserver' is not installed (Debian package scep), so the SCEP tests against a real server did not run.";
                return;
            }

            var depot = Path.Combine(Folder, "depot");
            var init = ExternalTool.Run(program, new[] { "ca", "-init", "-depot", depot, "-keySize", "2048", "-organization", "SmimeTools SCEP Test" });
            if (init.ExitCode != 0)
            {
                WhyUnavailable = $"scepserver ca -init failed ({init.ExitCode}): {init.StdErr}";
                return;
            }

            CaCertificate = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(depot, "ca.pem")));
            Port = FreePort();

            // -allowrenew 0: renewal is allowed at any time, not only in the last 14 days.
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-depot", depot, "-port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-challenge=" + Challenge, "-allowrenew", "0" })
            {
                start.ArgumentList.Add(argument);
            }

            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            WaitForPort(Port);
            Url = new Uri($"http://127.0.0.1:{Port}/scep");
        }

        public string Folder { get; }

        public int Port { get; }

        public Uri Url { get; } = new("http://127.0.0.1:1/scep");

        public X509Certificate2? CaCertificate { get; }

        public string? WhyUnavailable { get; }

        /// <summary>What the server logged so far, for failure messages.</summary>
        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public void Dispose()
        {
            if (_process != null)
            {
                try
                {
                    _process.Kill();
                    _process.WaitForExit(10000);
                }
                catch (InvalidOperationException)
                {
                }

                _process.Dispose();
            }

            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        internal static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private void Append(string? line)
        {
            if (line != null)
            {
                lock (_log)
                {
                    _log.AppendLine(line);
                }
            }
        }

        private static void WaitForPort(int port)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return;
                }
                catch (SocketException)
                {
                    Thread.Sleep(50);
                }
            }

            throw new TimeoutException($"scepserver did not listen on port {port} within 15 s.");
        }
    }

    /// <summary>SCEP test classes share one scepserver and run one after another: it races on serial numbers under concurrency.</summary>
    [CollectionDefinition(Name)]
    public sealed class ScepServerCollection : ICollectionFixture<ScepServerFixture>
    {
        public const string Name = "scepserver";
    }
}
